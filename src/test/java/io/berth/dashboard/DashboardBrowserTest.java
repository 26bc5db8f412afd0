package io.berth.dashboard;

import io.berth.admin.HttpOptions;
import io.berth.host.Host;
import io.berth.service.Schedule;
import io.berth.work.FullMode;
import io.berth.work.ItemState;
import io.berth.work.QueueOptions;
import io.berth.work.RetryOptions;
import io.berth.work.WorkQueue;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static io.berth.testing.Await.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The dashboard in headless Debian Chromium against a real host: one browser and one host for the whole class (the
 * browser takes seconds to start). Sign in (a wrong token gets a clear message), see the services, follow an item
 * enqueued over the API to {@code succeeded} without a reload, trigger a timed service, pause and resume a queue,
 * retry a dead item and read its detail, and see the API's error next to the action that failed. Skipped, saying why,
 * where {@code /usr/bin/chromium} or {@code /usr/bin/chromedriver} is missing ({@code apt-get install chromium
 * chromium-driver}); CI installs both. Screenshots of each page land in {@code target/dashboard-*.png}.
 */
class DashboardBrowserTest {

  static final Path CHROMIUM = Path.of(System.getProperty("berth.chromium", "/usr/bin/chromium"));
  static final Path CHROMEDRIVER = Path.of(System.getProperty("berth.chromedriver", "/usr/bin/chromedriver"));
  static final String TOKEN = "dashboard-test-token";
  static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  static Path dir;
  static Host host;
  static WebDriver driver;
  static WebDriverWait wait;
  static String base;
  /** The calls of the flaky handler: it fails its first call and succeeds after. */
  static final AtomicInteger flakyCalls = new AtomicInteger();

  @BeforeAll
  static void start() throws IOException {
    boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    if (!present) {
      System.err.println("SKIPPED DashboardBrowserTest: " + CHROMIUM + " or " + CHROMEDRIVER
          + " is missing (apt-get install chromium chromium-driver)");
    }
    assumeTrue(present, "browser test skipped: " + CHROMIUM + " or " + CHROMEDRIVER
        + " is missing (apt-get install chromium chromium-driver)");
    dir = Files.createTempDirectory("berth-dashboard");
    host = Host.builder()
        .queue(new QueueOptions("mail").concurrency(1).retry(new RetryOptions().maxAttempts(1)))
        .handler("mail", "send", ctx -> { })
        .handler("mail", "flaky", ctx -> {
          if (flakyCalls.incrementAndGet() == 1) {
            throw new IllegalStateException("the mail server said no");
          }
        })
        .queue(new QueueOptions("tiny").capacity(1).fullMode(FullMode.REJECT))
        .handler("tiny", "send", ctx -> { })
        .timed("report", Schedule.every(Duration.ofHours(1)), run -> { })
        .http(new HttpOptions().port(0).token(TOKEN).tokenFile(dir.resolve("admin.token")))
        .dashboard()
        .build();
    result(host.start());
    base = "http://127.0.0.1:" + host.lifetime().httpAddress().orElseThrow().port();
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments("--headless",
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--window-size=1280,800",
        "--user-data-dir=" + Files.createDirectory(dir.resolve("chromium")));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
    wait = new WebDriverWait(driver, Duration.ofSeconds(15));
  }

  @AfterAll
  static void stop() throws IOException {
    if (driver != null) {
      driver.quit();
    }
    if (host != null) {
      result(host.stop());
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @BeforeEach
  void freshPage() {
    driver.manage().window().setSize(new Dimension(1280, 800));
    driver.get(base + "/dashboard/");
    ((JavascriptExecutor) driver).executeScript("sessionStorage.clear()");
    driver.get(base + "/dashboard/");
  }

  @Test
  void aWrongTokenShowsAClearMessage() throws IOException {
    signIn("not-the-token");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("sign-in-error"), "refused"));
    assertThat(text("#sign-in-error")).contains("401").contains("sign in again");
    assertThat(driver.findElement(By.id("board")).isDisplayed()).isFalse();
    screenshot("sign-in-refused");
  }

  @Test
  void signsInAndSeesTheServicesAtBothWidths() throws IOException {
    signIn(TOKEN);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#services tr[data-name='report']")));
    assertThat(text("#services tr[data-name='queue:mail'] .state")).isEqualTo("running");
    assertThat(text("#services tr[data-name='http'] .state")).isEqualTo("running");
    assertThat(text("#timed tr[data-name='report'] td:nth-child(2)")).contains("1h");
    wait.until(ExpectedConditions.textToBe(By.id("live"), "live"));
    wait.until(ExpectedConditions.textToBe(By.id("host-state"), "started"));
    wait.until(ExpectedConditions.textMatches(By.id("uptime"), java.util.regex.Pattern.compile("up \\d")));
    screenshot("overview");

    // At a phone's width the page still fits: nothing wider than the window but the tables' own scroll areas.
    driver.manage().window().setSize(new Dimension(390, 844));
    wait.until(d -> ((Number) ((JavascriptExecutor) d).executeScript(
        "return document.documentElement.clientWidth")).intValue() <= 390);
    long overflow = (Long) ((JavascriptExecutor) driver).executeScript(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
    assertThat(overflow).isLessThanOrEqualTo(0);
    assertThat(driver.findElement(By.cssSelector("#timed tr[data-name='report'] button[data-action=trigger]"))
        .isDisplayed()).isTrue();
    screenshot("overview-390px");
    click("#tabs button[data-view=queues]");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#queues tr[data-name='mail']")));
    screenshot("queues-390px");
  }

  @Test
  void anItemEnqueuedOverTheApiAppearsAndSucceedsWithoutAReload() throws Exception {
    signIn(TOKEN);
    click("#tabs button[data-view=queues]");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#queues tr[data-name='mail']")));
    wait.until(ExpectedConditions.textToBe(By.id("live"), "live"));
    long before = host.work().queue("mail").stats().succeeded();
    HttpResponse<String> enqueued = post("/api/v1/queues/mail/items",
        new JsonObject().put("type", "send").put("payload", new JsonObject().put("to", "ops")).encode());
    assertThat(enqueued.statusCode()).as(enqueued.body()).isEqualTo(202);
    String id = new JsonObject(enqueued.body()).getString("id");
    wait.until(ExpectedConditions.textToBe(By.cssSelector("#items tr[data-id='" + id + "'] .status"), "succeeded"));
    wait.until(ExpectedConditions.textToBe(By.cssSelector("#queues tr[data-name='mail'] .succeeded"),
        String.valueOf(before + 1)));
    screenshot("queues");

    // The enqueue form checks the payload before sending anything, then sends through the API.
    new Select(driver.findElement(By.id("enqueue-queue"))).selectByValue("mail");
    wait.until(d -> new Select(d.findElement(By.id("enqueue-type"))).getOptions().stream()
        .anyMatch(o -> o.getAttribute("value").equals("send")));
    new Select(driver.findElement(By.id("enqueue-type"))).selectByValue("send");
    typeInto("enqueue-payload", "{\"to\": ");
    click("#enqueue button[type=submit]");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("enqueue-msg"), "not valid JSON"));
    typeInto("enqueue-payload", "{\"to\": \"dev\"}");
    click("#enqueue button[type=submit]");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("enqueue-msg"), "Enqueued "));
    String second = text("#enqueue-msg").substring("Enqueued ".length());
    wait.until(ExpectedConditions.textToBe(By.cssSelector("#items tr[data-id='" + second + "'] .status"),
        "succeeded"));
  }

  @Test
  void triggeringATimedServiceMovesItsRunCount() throws IOException {
    signIn(TOKEN);
    By runs = By.cssSelector("#timed tr[data-name='report'] .runs");
    wait.until(ExpectedConditions.visibilityOfElementLocated(runs));
    int before = Integer.parseInt(driver.findElement(runs).getText());
    click("#timed tr[data-name='report'] button[data-action=trigger]");
    wait.until(ExpectedConditions.textToBe(runs, String.valueOf(before + 1)));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(
        By.cssSelector("#timed tr[data-name='report'] .msg"), "triggered"));
    screenshot("timed-triggered");
  }

  @Test
  void pausesAndResumesAQueue() throws IOException {
    signIn(TOKEN);
    click("#tabs button[data-view=queues]");
    click("#queues tr[data-name='mail'] button[data-action=pause]");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(
        By.cssSelector("#queues tr[data-name='mail'] .name"), "paused"));
    assertThat(host.work().queue("mail").paused()).isTrue();
    screenshot("queue-paused");
    click("#queues tr[data-name='mail'] button[data-action=resume]");
    wait.until(ExpectedConditions.textToBe(By.cssSelector("#queues tr[data-name='mail'] .name"), "mail"));
    assertThat(host.work().queue("mail").paused()).isFalse();
  }

  @Test
  void retriesADeadItemAndShowsItsDetail() throws Exception {
    WorkQueue mail = host.work().queue("mail");
    flakyCalls.set(0);
    String id = result(mail.enqueue("flaky", new JsonObject().put("to", "ops").put("note", "<b>bold</b>")));
    await().atMost(Duration.ofSeconds(10)).until(() -> mail.status(id).map(s -> s.state() == ItemState.DEAD)
        .orElse(false));
    signIn(TOKEN);
    click("#tabs button[data-view=dead]");
    By row = By.cssSelector("#dead tr[data-id='" + id + "']");
    wait.until(ExpectedConditions.visibilityOfElementLocated(row));
    assertThat(text("#dead tr[data-id='" + id + "'] .error")).contains("the mail server said no");
    screenshot("dead");

    // Its detail: attempts, each error, times, and its payload pretty-printed as text (markup in it stays text).
    click("#dead tr[data-id='" + id + "'] a");
    wait.until(ExpectedConditions.textToBe(By.id("detail-status"), "dead"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("detail-payload"), "\"to\""));
    assertThat(text("#detail-payload")).isEqualTo("{\n  \"to\": \"ops\",\n  \"note\": \"<b>bold</b>\"\n}");
    assertThat(driver.findElements(By.cssSelector("#detail-payload b"))).isEmpty();
    assertThat(text("#detail-attempts")).isEqualTo("1");
    assertThat(text("#detail-errors")).contains("the mail server said no");
    assertThat(text("#detail-enqueued")).matches("\\d{4}-\\d{2}-\\d{2}T.*");
    screenshot("item-detail");

    click("#tabs button[data-view=dead]");
    click("#dead tr[data-id='" + id + "'] button[data-action=retry]");
    wait.until(ExpectedConditions.invisibilityOfElementLocated(row));
    await().atMost(Duration.ofSeconds(10)).until(() -> mail.status(id).map(s -> s.state() == ItemState.SUCCEEDED)
        .orElse(false));
    assertThat(flakyCalls.get()).isEqualTo(2);
  }

  @Test
  void anApiErrorIsShownNextToTheActionThatFailed() throws Exception {
    WorkQueue tiny = host.work().queue("tiny");
    result(tiny.pause());
    try {
      signIn(TOKEN);
      click("#tabs button[data-view=queues]");
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#queues tr[data-name='tiny']")));
      wait.until(ExpectedConditions.textToBe(By.id("live"), "live"));
      // The only slot: the next enqueue is refused. (Its event also shows the page a type of the queue, until
      // GET /api/v1/queues lists each queue's types.)
      result(tiny.enqueue("send", new JsonObject()));
      new Select(driver.findElement(By.id("enqueue-queue"))).selectByValue("tiny");
      wait.until(d -> new Select(d.findElement(By.id("enqueue-type"))).getOptions().stream()
          .anyMatch(o -> o.getAttribute("value").equals("send")));
      new Select(driver.findElement(By.id("enqueue-type"))).selectByValue("send");
      typeInto("enqueue-payload", "{}");
      click("#enqueue button[type=submit]");
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("enqueue-msg"), "queue_full"));
      assertThat(driver.findElement(By.id("enqueue-msg")).getAttribute("class")).contains("error");
      assertThat(text("#enqueue-msg")).contains("503").contains("tiny");
      screenshot("enqueue-refused");
    } finally {
      result(tiny.resume());
    }
  }

  @Test
  void theTokensPageListsTokensWithoutValues() throws IOException {
    signIn(TOKEN);
    click("#tabs button[data-view=tokens]");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("tokens")));
    assertThat(driver.findElement(By.id("board-error")).getText()).isEmpty();
    screenshot("tokens");
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private void signIn(String token) {
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token"))).sendKeys(token);
    driver.findElement(By.cssSelector("#sign-in button[type=submit]")).click();
  }

  /**
   * Finds and clicks {@code css}, again if the page re-rendered it in between (live updates replace table rows, so a
   * found element may be stale by the time it is clicked).
   */
  private void click(String css) {
    wait.ignoring(StaleElementReferenceException.class).until(d -> {
      WebElement e = ExpectedConditions.elementToBeClickable(By.cssSelector(css)).apply(d);
      if (e == null) {
        return false;
      }
      e.click();
      return true;
    });
  }

  private void typeInto(String id, String value) {
    WebElement field = driver.findElement(By.id(id));
    field.clear();
    field.sendKeys(value);
  }

  /** The text of {@code css}, found again if a live update replaced the element between the find and the read. */
  private String text(String css) {
    return wait.ignoring(StaleElementReferenceException.class)
        .until(d -> d.findElement(By.cssSelector(css)).getText());
  }

  private void screenshot(String name) throws IOException {
    Path file = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
    Files.createDirectories(Path.of("target"));
    Files.copy(file, Path.of("target", "dashboard-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }
}
