package io.berth;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Package rules of the main sources, read from the source text (no bytecode, no extra library).
 *
 * <p>A file depends on a package when its code (comments and string literals removed) names a type
 * of that package: an {@code import}, {@code import static} or wildcard import, or a fully qualified
 * name such as {@code io.berth.core.internal.StopTimeoutException}. The package of a qualified name
 * is its run of lower-case segments before the first upper-case one (or {@code *}). Javadoc
 * references ({@code {@link io.berth.x.Y}}) are not dependencies. {@code io.berth.core.internal} is a
 * package of its own, not part of {@code io.berth.core}.
 */
class ArchitectureTest {

  private static final String ROOT = "io.berth";
  private static final String SERVICE = "io.berth.service";
  private static final String SCOPE = "io.berth.scope";
  private static final String CONFIG = "io.berth.config";
  private static final String CORE = "io.berth.core";
  private static final String CORE_INTERNAL = "io.berth.core.internal";
  private static final String HOST = "io.berth.host";
  private static final String CLI = "io.berth.cli";
  private static final String METRICS = "io.berth.metrics";

  private static final Pattern PACKAGE_DECL =
      Pattern.compile("(?<![\\w.$])package\\s+([\\w.]+)\\s*;");
  /** {@code io.berth[.lower]*} followed by {@code .Upper} or {@code .*}; group 1 is the package. */
  private static final Pattern BERTH_REFERENCE =
      Pattern.compile("(?<![\\w.$])(io\\s*\\.\\s*berth(?:\\s*\\.\\s*[a-z_][a-z0-9_]*)*)\\s*\\.\\s*(?:[A-Z$]|\\*)");

  /** package → package it depends on → files (relative to the source root) that make the edge. */
  private static final Map<String, Map<String, Set<String>>> graph = new TreeMap<>();

  @BeforeAll
  static void scan() throws IOException {
    Path base = Paths.get(System.getProperty("user.dir"));
    Path sources = base.resolve("src/main/java");
    Path berth = sources.resolve("io/berth");
    assertThat(berth).as("main sources under the Maven basedir %s", base).isDirectory();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(berth)) {
      files = walk.filter(p -> p.toString().endsWith(".java")).sorted().collect(Collectors.toList());
    }
    for (Path file : files) {
      String code = stripCommentsAndLiterals(Files.readString(file, StandardCharsets.UTF_8));
      String name = sources.relativize(file).toString().replace('\\', '/');
      Matcher decl = PACKAGE_DECL.matcher(code);
      String from = decl.find() ? decl.group(1) : ROOT + ".<unnamed>";
      Map<String, Set<String>> edges = graph.computeIfAbsent(from, k -> new TreeMap<>());
      Matcher ref = BERTH_REFERENCE.matcher(code);
      while (ref.find()) {
        String to = ref.group(1).replaceAll("\\s+", "");
        if (!to.equals(from)) {
          edges.computeIfAbsent(to, k -> new TreeSet<>()).add(name);
        }
      }
    }
  }

  @Test
  void theScanSeesTheSources() {
    // guards the other tests against passing on an empty or mis-read graph
    assertThat(graph).containsKeys(SERVICE, SCOPE, CONFIG, CORE, CORE_INTERNAL, HOST, CLI);
    assertThat(graph.get(HOST)).containsKeys(CORE, SERVICE);
    assertThat(graph.get(CORE)).containsKeys(CORE_INTERNAL, SERVICE);
  }

  @Test
  void theStripperKeepsOnlyCode() {
    String code = stripCommentsAndLiterals("import io.berth.a.X; // io.berth.b.Y\n"
        + "/** {@link io.berth.c.Z} */ String s = \"io.berth.d.W\"; char q = '\\''; io.berth.e.V v;\n"
        + "String t = \"\"\"\n  io.berth.f.U \\\"\"\" \"\"\"; import static io.berth.g.T.m; import io.berth.h.*;");
    Matcher ref = BERTH_REFERENCE.matcher(code);
    List<String> found = new ArrayList<>();
    while (ref.find()) {
      found.add(ref.group(1));
    }
    assertThat(found).containsExactly("io.berth.a", "io.berth.e", "io.berth.g", "io.berth.h");
  }

  @Test
  void packagesHaveNoCycle() {
    List<String> cycles = new ArrayList<>();
    for (Set<String> component : stronglyConnectedComponents()) {
      if (component.size() > 1) {
        List<String> cycle = cycleWithin(component);
        cycles.add(String.join(" -> ", cycle) + "   " + edgeFiles(cycle)
            + "   (all packages in this cycle: " + component + ")");
      }
    }
    assertThat(cycles)
        .withFailMessage("package cycles in src/main/java:%n  %s", String.join("\n  ", cycles))
        .isEmpty();
  }

  @Test
  void userContractsImportNothingOfTheImplementation() {
    assertThat(violations(SERVICE, Set.of(SCOPE, CONFIG)))
        .as("io.berth.service may depend only on io.berth.scope and io.berth.config").isEmpty();
    assertThat(violations(SCOPE, Set.of(SERVICE, CONFIG)))
        .as("io.berth.scope may depend only on io.berth.service and io.berth.config").isEmpty();
  }

  @Test
  void coreImportsNoModuleNorTheHost() {
    Set<String> forbidden = Set.of("io.berth.work", "io.berth.admin", "io.berth.token", METRICS, HOST, CLI);
    for (String pkg : List.of(CORE, CORE_INTERNAL)) {
      List<String> found = graph.getOrDefault(pkg, Map.of()).entrySet().stream()
          .filter(e -> forbidden.contains(e.getKey()))
          .map(e -> pkg + " -> " + e.getKey() + " " + e.getValue())
          .collect(Collectors.toList());
      assertThat(found).as("%s must not depend on %s", pkg, new TreeSet<>(forbidden)).isEmpty();
    }
  }

  @Test
  void metricsImportOnlyTheCoreAndTheWorkModule() {
    assertThat(violations(METRICS, Set.of(CORE, CORE_INTERNAL, "io.berth.work", SERVICE, CONFIG)))
        .as("io.berth.metrics may depend only on core, core.internal, work, service and config").isEmpty();
  }

  @Test
  void onlyTheLauncherUsesTheHost() {
    Set<String> allowed = Set.of(HOST, CLI);
    List<String> found = new ArrayList<>();
    graph.forEach((from, edges) -> {
      if (!allowed.contains(from) && edges.containsKey(HOST)) {
        found.add(from + " -> " + HOST + " " + edges.get(HOST));
      }
    });
    assertThat(found).as("only %s may depend on %s", new TreeSet<>(allowed), HOST).isEmpty();
  }

  /** Edges of {@code from} to io.berth packages outside {@code allowed}, with the files that make them. */
  private static List<String> violations(String from, Set<String> allowed) {
    return graph.getOrDefault(from, Map.of()).entrySet().stream()
        .filter(e -> !allowed.contains(e.getKey()))
        .map(e -> from + " -> " + e.getKey() + " " + e.getValue())
        .collect(Collectors.toList());
  }

  private static Set<String> successors(String pkg) {
    return graph.getOrDefault(pkg, Map.of()).keySet();
  }

  /** Tarjan's algorithm over the packages that have sources or are depended on. */
  private static List<Set<String>> stronglyConnectedComponents() {
    Set<String> nodes = new TreeSet<>(graph.keySet());
    graph.values().forEach(e -> nodes.addAll(e.keySet()));
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    List<Set<String>> result = new ArrayList<>();
    int[] counter = {0};
    for (String n : nodes) {
      if (!index.containsKey(n)) {
        strongConnect(n, index, low, stack, onStack, result, counter);
      }
    }
    return result;
  }

  private static void strongConnect(String v, Map<String, Integer> index, Map<String, Integer> low,
      Deque<String> stack, Set<String> onStack, List<Set<String>> result, int[] counter) {
    index.put(v, counter[0]);
    low.put(v, counter[0]);
    counter[0]++;
    stack.push(v);
    onStack.add(v);
    for (String w : successors(v)) {
      if (!index.containsKey(w)) {
        strongConnect(w, index, low, stack, onStack, result, counter);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      Set<String> component = new TreeSet<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        component.add(w);
      } while (!w.equals(v));
      result.add(component);
    }
  }

  /** A shortest cycle through the first package of a strongly connected component, as a path a -> … -> a. */
  private static List<String> cycleWithin(Set<String> component) {
    String start = component.iterator().next();
    Map<String, String> parent = new HashMap<>();
    Deque<String> queue = new ArrayDeque<>(List.of(start));
    while (!queue.isEmpty()) {
      String v = queue.poll();
      for (String w : successors(v)) {
        if (!component.contains(w)) {
          continue;
        }
        if (w.equals(start)) {
          List<String> path = new ArrayList<>();
          for (String p = v; p != null; p = parent.get(p)) {
            path.add(0, p);
          }
          path.add(start);
          return path;
        }
        if (!parent.containsKey(w) && !w.equals(start)) {
          parent.put(w, v);
          queue.add(w);
        }
      }
    }
    return new ArrayList<>(component); // not reached for a component of two or more packages
  }

  private static String edgeFiles(List<String> path) {
    List<String> edges = new ArrayList<>();
    for (int i = 0; i + 1 < path.size(); i++) {
      Set<String> files = graph.getOrDefault(path.get(i), Map.of()).getOrDefault(path.get(i + 1), Set.of());
      edges.add(path.get(i) + " -> " + path.get(i + 1) + " " + files);
    }
    return "via " + edges;
  }

  /**
   * The source with comments blanked and string, text-block and char literals emptied, so that only
   * code is searched. Newlines are kept.
   */
  static String stripCommentsAndLiterals(String src) {
    StringBuilder out = new StringBuilder(src.length());
    int i = 0;
    int n = src.length();
    while (i < n) {
      char c = src.charAt(i);
      char next = i + 1 < n ? src.charAt(i + 1) : '\0';
      if (c == '/' && next == '/') {
        while (i < n && src.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '/' && next == '*') {
        int end = src.indexOf("*/", i + 2);
        end = end < 0 ? n : end + 2;
        for (int k = i; k < end; k++) {
          if (src.charAt(k) == '\n') {
            out.append('\n');
          }
        }
        out.append(' ');
        i = end;
      } else if (src.startsWith("\"\"\"", i)) {
        int k = i + 3;
        while (k < n && !src.startsWith("\"\"\"", k)) {
          k += src.charAt(k) == '\\' ? 2 : 1;
        }
        out.append("\"\"");
        i = Math.min(n, k + 3);
      } else if (c == '"' || c == '\'') {
        int k = i + 1;
        while (k < n && src.charAt(k) != c && src.charAt(k) != '\n') {
          k += src.charAt(k) == '\\' ? 2 : 1;
        }
        out.append(c).append(c);
        i = Math.min(n, k + 1);
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }
}
