import WDIOReporter, { type RunnerStats, type TestStats } from '@wdio/reporter';
import { testKey, workerVisits } from './service.js';

/**
 * Prints each visit's verdict under its test, once the worker's specs are done (the service
 * judges a test's visits in afterTest, which mocha runs after wdio's test-end event):
 *
 *   phonehome: Mint Browser opens a page
 *     leaked       visit v… (redmi-note-8, mint 3.4.0, normal, https://news.example.org/story?…) → sa.api.intl.miui.com
 */
export class PhonehomeReporter extends WDIOReporter {
  #tests: Array<{ key: string; title: string }> = [];

  override onTestEnd(test: TestStats): void {
    // wdio's fullTitle joins with '.', mocha's with ' ': key by suite and title instead.
    this.#tests.push({ key: testKey(test.parent, test.title), title: `${test.parent} ${test.title}` });
  }

  override onRunnerEnd(_runner: RunnerStats): void {
    // A reporter that throws takes the worker down with it: say what went wrong instead.
    try {
      this.printVerdicts();
    } catch (error) {
      this.write(`phonehome reporter: cannot print the verdicts: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }

  private printVerdicts(): void {
    const byTest = workerVisits();
    const lines: string[] = [];
    for (const { key, title } of this.#tests) {
      const visits = byTest?.get(key) ?? [];
      if (visits.length === 0) continue;
      lines.push(`phonehome: ${title}`);
      for (const visit of visits) {
        const j = visit.judgement();
        const verdict = j?.verdict ?? 'not judged';
        const detail = j?.verdict === 'leaked' ? ` → ${[...new Set(j.findings.map((f) => f.host))].join(', ')}` : j?.verdict === 'unobservable' ? ` (${j.reasons.join('; ')})` : '';
        lines.push(`  ${verdict.padEnd(12)} ${visit.describe()}${detail}`);
      }
    }
    if (lines.length > 0) this.write(lines.join('\n') + '\n');
  }
}
