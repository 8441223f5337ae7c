import path from "node:path";
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestResult } from "@playwright/test/reporter";

// After the list: how long each spec file took, summed over its tests (the time its
// tests kept a worker busy) and from its first test's start to its last test's end.
// The numbers behind the README's test timings; the slowest file comes first.

type Spec = { tests: number; busyMs: number; slowestMs: number; start: number; end: number };

export default class DurationReporter implements Reporter {
  private root = "";
  private specs = new Map<string, Spec>();

  onBegin(config: FullConfig, _suite: Suite): void {
    this.root = config.rootDir;
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const key = `${path.relative(this.root, test.location.file)} [${test.parent.project()?.name ?? "?"}]`;
    const start = result.startTime.getTime();
    const spec = this.specs.get(key) ?? { tests: 0, busyMs: 0, slowestMs: 0, start, end: start };
    spec.tests += 1;
    spec.busyMs += result.duration;
    spec.slowestMs = Math.max(spec.slowestMs, result.duration);
    spec.start = Math.min(spec.start, start);
    spec.end = Math.max(spec.end, start + result.duration);
    this.specs.set(key, spec);
  }

  onEnd(result: FullResult): void {
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`.padStart(8);
    const rows = [...this.specs].sort(([, a], [, b]) => b.busyMs - a.busyMs);
    const width = Math.max(...rows.map(([key]) => key.length), 4);
    console.log(`\nSpec durations (busy = sum of its tests; span = first start to last end):`);
    console.log(`  ${"spec".padEnd(width)}  tests      busy     span  slowest`);
    for (const [key, spec] of rows) {
      console.log(`  ${key.padEnd(width)}  ${String(spec.tests).padStart(5)}  ${s(spec.busyMs)} ${s(spec.end - spec.start)} ${s(spec.slowestMs)}`);
    }
    console.log(`  whole run (servers' start included): ${s(result.duration).trim()}\n`);
  }

  printsToStdio(): boolean {
    return false;
  }
}
