package io.berth.bench.core;

import java.util.List;

/** One benchmark workload; runs every selected system and returns its figures. */
public interface Workload {
  String name();

  List<Result> run(BenchConfig cfg) throws Exception;
}
