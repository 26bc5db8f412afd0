package io.berth.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Which launches run the host without picocli's model ({@link BerthCommand#plainRun}): exactly the plain ones. */
class PlainRunArgsTest {

  @Test
  void noArgumentsOrOnlyConfAreAPlainRun() {
    assertThat(BerthCommand.plainRun(new String[0])).isEqualTo(Path.of(""));
    assertThat(BerthCommand.plainRun(new String[] {"--conf", "conf/a.json"})).isEqualTo(Path.of("conf/a.json"));
    assertThat(BerthCommand.plainRun(new String[] {"--conf=conf/a.json"})).isEqualTo(Path.of("conf/a.json"));
  }

  @Test
  void everythingElseGoesThroughPicocli() {
    for (String[] args : new String[][] {
        {"--help"}, {"-V"}, {"status"}, {"enqueue", "--queue", "q"}, {"help", "enqueue"},
        {"--conf"}, {"--conf="}, {"--conf", "--help"}, {"--conf", "@args.txt"}, {"--conf", ""},
        {"--conf", "a.json", "--conf", "b.json"}, {"--cnof", "a.json"}, {"-c", "a.json"}, {"a.json"},
        {"--conf", "a\0b"}}) {
      assertThat(BerthCommand.plainRun(args)).as(String.join(" ", args)).isNull();
    }
  }
}
