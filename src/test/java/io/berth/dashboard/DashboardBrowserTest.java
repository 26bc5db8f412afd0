package io.berth.dashboard;

import io.berth.admin.HttpOptions;
import io.berth.host.Host;
import io.berth.service.Schedule;
import io.berth.work.QueueOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import static io.berth.testing.Await.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The dashboard in headless Debian Chromium against a real host: sign in (a wrong token first), see the services and
 * a queue, and watch an item enqueued over the API appear and succeed without a reload. Skipped, saying why, where
 * {@code /usr/bin/chromium} or {@code /usr/bin/chromedriver} is missing ({@code apt-get install chromium
 * chromium-driver}); CI installs both. Screenshots land in {@code target/dashboard-*.png}.
 */
class DashboardBrowserTest {

  static final Path CHROMIUM = Path.of(System.getProperty("berth.chromium", "/usr/bin/chromium"));
  static final Path CHROMEDRIVER = Path.of(System.getProperty("berth.chromedriver", "/usr/bin/chromedriver"));
  static final String TOKEN = "dashboard-test-token";

  @TempDir
  Path dir;
  Host host;
  WebDriver driver;
  WebDriverWait wait;

  @BeforeEach
  void start() throws IOException {
    boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    if (!present) {
      System.err.println("SKIPPED DashboardBrowserTest: " + CHROMIUM + " or " + CHROMEDRIVER
          + " is missing (apt-get install chromium chromium-driver)");
    }
    assumeTrue(present, "browser test skipped: " + CHROMIUM + " or " + CHROMEDRIVER
        + " is missing (apt-get install chromium chromium-driver)");
    host = Host.builder()
        .queue(new QueueOptions("mail").concurrency(1))
        .handler("mail", "send", ctx -> { })
        .timed("report", Schedule.every(Duration.ofHours(1)), run -> { })
        .http(new HttpOptions().port(0).token(TOKEN).tokenFile(dir.resolve("admin.token")))
        .dashboard()
        .build();
    result(host.start());
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments("--headless",
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--window-size=1280,800",
        "--user-data-dir=" + Files.createDirectory(dir.resolve("chromium")));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
    wait = new WebDriverWait(driver, Duration.ofSeconds(15));
  }

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.quit();
    }
    if (host != null) {
      result(host.stop());
    }
  }

  @Test
  void signsInShowsServicesAndAQueueAndFollowsAnItem() throws Exception {
    int port = host.lifetime().httpAddress().orElseThrow().port();
    driver.get("http://127.0.0.1:" + port + "/dashboard/");

    signIn("not-the-token");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("sign-in-error"), "refused"));
    screenshot("sign-in-refused");

    signIn(TOKEN);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#services tr[data-name='report']")));
    assertThat(text("#services tr[data-name='queue:mail'] .state")).isEqualTo("running");
    assertThat(text("#services tr[data-name='http'] .state")).isEqualTo("running");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#queues tr[data-name='mail']")));
    assertThat(text("#timed tr[data-name='report'] td:nth-child(2)")).contains("1h");
    wait.until(ExpectedConditions.textToBe(By.id("live"), "live"));
    screenshot("overview");

    String id = result(host.work().queue("mail").enqueue("send", new JsonObject().put("to", "ops")));
    By status = By.cssSelector("#items tr[data-id='" + id + "'] .status");
    wait.until(ExpectedConditions.textToBe(status, "succeeded"));
    wait.until(ExpectedConditions.textToBe(By.cssSelector("#queues tr[data-name='mail'] .succeeded"), "1"));
    screenshot("item-succeeded");
  }

  private void signIn(String token) {
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token"))).sendKeys(token);
    driver.findElement(By.cssSelector("#sign-in button[type=submit]")).click();
  }

  private String text(String css) {
    return driver.findElement(By.cssSelector(css)).getText();
  }

  private void screenshot(String name) throws IOException {
    Path file = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(file, Path.of("target", "dashboard-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }
}
