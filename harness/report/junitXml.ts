import { escapeXml } from './escape.js';
import type { RunRecord, TestRecord } from './types.js';

/**
 * JUnit XML in the form mocha's xunit reporter and CI tools (Jenkins, GitLab, GitHub test
 * reporters) read: <testsuites> / <testsuite> per phonehome suite / <testcase classname name time>
 * with <failure> or <skipped/>. A harness error or an unfinished run becomes an <error> testcase, so
 * CI never reads a broken run as green.
 */
export function renderJunit(run: RunRecord): string {
  const suites = run.suites.map((s) => ({ name: s.name, file: s.file, tests: s.tests, extra: [] as string[] }));
  const problems = [...run.errors];
  if (run.status === 'incomplete') problems.push('the run did not finish (killed or crashed); this report was rebuilt from what was captured before it stopped');
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = suites.flatMap((s) => s.tests);
  const count = (state: TestRecord['state']) => all.filter((t) => t.state === state).length;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const total = all.reduce((sum, t) => sum + t.durationMs, 0);
  const timestamp = new Date(run.startedAt).toISOString().replace(/\.\d+Z$/, '');
  lines.push(
    `<testsuites name="${escapeXml(`phonehome ${run.runId}`)}" tests="${all.length + problems.length}" failures="${count('failed')}" errors="${problems.length}" skipped="${count('pending')}" time="${seconds(total)}">`,
  );
  for (const suite of suites) {
    const failures = suite.tests.filter((t) => t.state === 'failed').length;
    const skipped = suite.tests.filter((t) => t.state === 'pending').length;
    const time = suite.tests.reduce((sum, t) => sum + t.durationMs, 0);
    lines.push(
      `  <testsuite name="${escapeXml(suite.name)}" tests="${suite.tests.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(time)}" timestamp="${timestamp}" file="${escapeXml(suite.file)}">`,
    );
    for (const test of suite.tests) lines.push(renderTestcase(test, seconds));
    lines.push('  </testsuite>');
  }
  if (problems.length > 0) {
    lines.push(`  <testsuite name="phonehome harness" tests="${problems.length}" failures="0" errors="${problems.length}" skipped="0" time="0.000" timestamp="${timestamp}">`);
    problems.forEach((message, i) => {
      lines.push(`    <testcase classname="phonehome harness" name="${escapeXml(`harness error ${i + 1}`)}" time="0.000">`);
      lines.push(`      <error message="${escapeXml(firstLine(message))}" type="HarnessError">${escapeXml(message)}</error>`);
      lines.push('    </testcase>');
    });
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

function renderTestcase(test: TestRecord, seconds: (ms: number) => string): string {
  // mocha's xunit: classname is the parent's full title, name the test's own title.
  const classname = test.fullTitle.endsWith(test.title) ? test.fullTitle.slice(0, -test.title.length).trim() : test.suite;
  const open = `    <testcase classname="${escapeXml(classname || test.suite)}" name="${escapeXml(test.title)}" time="${seconds(test.durationMs)}">`;
  if (test.state === 'pending') {
    // A lost phone's attempt: CI shows why it did not count (it was retried elsewhere or is unobservable).
    return test.lost ? `${open}<skipped message="${escapeXml(firstLine(`phone lost: ${test.lost}`))}"/></testcase>` : `${open}<skipped/></testcase>`;
  }
  if (test.state === 'failed') {
    const message = test.error?.message ?? 'failed';
    const body = test.error?.stack ?? message;
    return `${open}\n      <failure message="${escapeXml(firstLine(message))}" type="AssertionError">${escapeXml(body)}</failure>\n    </testcase>`;
  }
  return `${open}</testcase>`;
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 1000 ? line.slice(0, 1000) + '…' : line;
}
