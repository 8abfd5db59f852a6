import { DOMParser } from '@xmldom/xmldom';
import { expect } from 'chai';
import { renderJunit } from '../../harness/report/junitXml.js';
import type { RunRecord } from '../../harness/report/types.js';
import { sampleRun } from './sampleRun.js';

/** Parses strictly: any well-formedness error throws, as CI parsers would reject the file. */
function parse(xml: string) {
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`XML ${level}: ${message}`);
    },
  }).parseFromString(xml, 'text/xml');
  return doc;
}

function attr(el: { getAttribute(n: string): string | null }, name: string): string | null {
  return el.getAttribute(name);
}

describe('junit.xml', () => {
  it('has one testsuite per phonehome suite and one testcase per check, in the JUnit form CI parses', () => {
    const run = sampleRun();
    const doc = parse(renderJunit(run));
    const root = doc.documentElement!;
    expect(root.nodeName).to.equal('testsuites');
    expect(attr(root, 'tests')).to.equal('3');
    expect(attr(root, 'failures')).to.equal('1');
    expect(attr(root, 'skipped')).to.equal('1');
    const suites = doc.getElementsByTagName('testsuite');
    expect(suites.length).to.equal(1);
    expect(attr(suites[0]!, 'name')).to.equal('forbes-2020');
    const cases = doc.getElementsByTagName('testcase');
    expect(cases.length).to.equal(3);
    expect(attr(cases[0]!, 'name')).to.equal(run.suites[0]!.tests[0]!.title);
    expect(attr(cases[0]!, 'classname')).to.equal('forbes-2020 redmi-note-8');
    expect(attr(cases[0]!, 'time')).to.equal('1.520');
    const failure = cases[1]!.getElementsByTagName('failure')[0]!;
    expect(attr(failure, 'message')).to.equal(run.suites[0]!.tests[1]!.error!.message);
    expect(failure.textContent).to.contain('scenarios/forbes-2020.ts:40:7');
    expect(cases[2]!.getElementsByTagName('skipped').length).to.equal(1);
  });

  it('says why a lost phone\'s attempt was skipped', () => {
    const run = sampleRun();
    run.suites[0]!.tests[2] = { ...run.suites[0]!.tests[2]!, lost: 'redmi-note-8 dropped off adb <mid-visit>' };
    const skipped = parse(renderJunit(run)).getElementsByTagName('skipped')[0]!;
    expect(attr(skipped, 'message')).to.equal('phone lost: redmi-note-8 dropped off adb <mid-visit>');
  });

  it('turns an unfinished run and harness errors into <error> testcases so CI never reads them as green', () => {
    const run: RunRecord = { ...sampleRun(), status: 'incomplete', errors: ['phone redmi-note-8 dropped off adb at 20:31:02'] };
    const doc = parse(renderJunit(run));
    expect(attr(doc.documentElement!, 'errors')).to.equal('2');
    const errors = doc.getElementsByTagName('error');
    expect(errors.length).to.equal(2);
    expect(attr(errors[0]!, 'message')).to.equal('phone redmi-note-8 dropped off adb at 20:31:02');
    expect(attr(errors[1]!, 'message')).to.match(/did not finish/);
  });

  it('stays well-formed when captured text holds markup, CDATA ends, controls and lone surrogates', () => {
    const hostile = '</failure>]]><x a="1">&amp;\u0000\u0007\u001b[31m\ud800 "\' <!--';
    const run = sampleRun((_field, value) => `${value}${hostile}`);
    const doc = parse(renderJunit(run));
    const failure = doc.getElementsByTagName('failure')[0]!;
    // Markup came through as text: same characters back, except those XML cannot carry (U+FFFD).
    expect(attr(failure, 'message')).to.contain('</failure>]]><x a="1">&amp;');
    expect(attr(failure, 'message')).to.contain('\ufffd');
    expect(doc.getElementsByTagName('x').length).to.equal(0);
  });
});
