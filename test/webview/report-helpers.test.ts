/** The pure report helpers: CSV, escaping, page templates, number formatting, the flat-boundary prediction. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clopperPearson } from '../../src/engine/statistics';
import { capFraction } from '../../src/engine/theory';
import type { Report } from '../../src/protocol/report';
import { csvField, imagesCsv } from '../../src/report/csv';
import { inlineScript, jsonForScript } from '../../src/report/escape';
import { dateTimeText, durationText, fromLog10, percent, plainNumber, rateText } from '../../src/report/format';
import { perturbationCaption } from '../../src/report/perturbation-caption';
import { middleEllipsisParts } from '../../webview/table/columns';
import { panelHtml } from '../../src/report/html';
import { log10MeanOfPowers, predictFlatBoundary } from '../../src/report/prediction';
import { standaloneReportHtml } from '../../src/report/standalone';
import { fixtureReport } from './browser';

/** Parses RFC 4180 CSV (quoted fields with doubled quotes, CRLF rows). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

describe('imagesCsv', () => {
  it('writes one row per image with the report’s values, α columns from the config', () => {
    const report = fixtureReport();
    const rows = parseCsv(imagesCsv(report));
    const header = rows[0];
    assert.deepEqual(header.slice(0, 9), ['file', 'class', 'predicted', 'correct', 'eps', 'l2', 'l1', 'linf', 'loss']);
    assert.deepEqual(header.slice(9, 9 + report.config.alphas.length), report.config.alphas.map((a) => `flips_alpha_${a}`));
    assert.equal(rows.length, report.images.length + 1);
    report.images.forEach((image, i) => {
      const row = Object.fromEntries(header.map((name, j) => [name, rows[i + 1][j]]));
      assert.equal(row.file, image.file);
      assert.equal(row.class, report.config.classes[image.label]);
      assert.equal(row.predicted, report.config.classes[image.predicted]);
      assert.equal(row.correct, String(image.correct));
      assert.equal(row.eps, image.adversarial ? String(image.adversarial.eps) : '');
      assert.equal(row.linf, image.adversarial ? String(image.adversarial.linf) : '');
      for (const alpha of report.config.alphas) {
        const flips = image.random.find((r) => r.alpha === alpha)?.flips;
        assert.equal(row[`flips_alpha_${alpha}`], flips === undefined ? '' : String(flips));
      }
    });
  });

  it('quotes fields holding commas, quotes and line breaks (RFC 4180)', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(null), '');
    const report = fixtureReport();
    report.images = [{ ...report.images[0], file: 'odd, "name"\r\n.png' }];
    assert.equal(parseCsv(imagesCsv(report))[1][0], 'odd, "name"\r\n.png');
  });
});

describe('escaping for inline scripts', () => {
  it('keeps JSON parseable while no </script or <!-- survives', () => {
    const value = { file: '</script><script>alert(1)</script><!-- x', text: 'a\u2028b' };
    const text = jsonForScript(value);
    assert.doesNotMatch(text, /<\/script|<!--/i);
    assert.deepEqual(JSON.parse(text), value);
  });

  it('rewrites </script in a bundle to an equivalent escape and drops the source map comment', () => {
    const code = 'const s = "</script>";\n//# sourceMappingURL=webview.js.map';
    const inlined = inlineScript(code);
    assert.doesNotMatch(inlined, /<\/script|sourceMappingURL/i);
    assert.equal(new Function(`${inlined}; return s;`)(), '</script>');
  });
});

describe('page templates', () => {
  it('panelHtml allows only the webview origin and the nonce', () => {
    const html = panelHtml({ cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: 'abc123', scriptUri: 'https://x/webview.js', styleUri: 'https://x/webview.css' });
    const csp = /Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abc123'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.match(html, /<script nonce="abc123" src="https:\/\/x\/webview.js"><\/script>/);
    assert.throws(() => panelHtml({ cspSource: 'x', nonce: '"><script>', scriptUri: '', styleUri: '' }), /nonce/);
  });

  it('standaloneReportHtml embeds the report losslessly and uses a fresh nonce each time', () => {
    const report: Report = fixtureReport();
    report.images[0].file = '</script><b>x</b>.png';
    const first = standaloneReportHtml(report, { script: 'console.log(1)', style: 'body{}' });
    const second = standaloneReportHtml(report, { script: 'console.log(1)', style: 'body{}' });
    const data = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(first)?.[1];
    assert.ok(data, 'report JSON element present');
    assert.deepEqual(JSON.parse(data), report);
    const nonce = (html: string) => /script-src 'nonce-([0-9a-f]+)'/.exec(html)?.[1];
    assert.ok(nonce(first));
    assert.notEqual(nonce(first), nonce(second));
    assert.doesNotMatch(first, /https?:\/\//, 'no remote address anywhere in the page');
  });
});

describe('formatting', () => {
  it('writes a zero count as the one-sided Clopper–Pearson bound, never as 0', () => {
    assert.equal(rateText(0, 2000), '<\u00a00.15\u00a0% at\u00a095\u00a0%', 'non-breaking spaces keep a number with its unit');
    assert.equal(rateText(0, 78000), `<\u00a0${percent(clopperPearson(0, 78000).oneSidedUpper)} at\u00a095\u00a0%`);
    assert.equal(rateText(5, 39), '12.82\u00a0%');
    assert.equal(rateText(0, 0), '—');
  });

  it('writes numbers beyond the double range from their logarithm', () => {
    assert.equal(fromLog10(1000.5), '3.2\u00a0×\u00a010¹⁰⁰⁰');
    assert.equal(fromLog10(-Infinity), '0');
    assert.equal(fromLog10(Infinity), '∞');
    assert.equal(fromLog10(2), '100');
    assert.equal(plainNumber(0.82431), '0.824');
    assert.equal(plainNumber(14.2675), '14.3');
  });

  it('writes every date in one pattern, in the viewer’s time with its offset named', () => {
    const before = process.env.TZ;
    const moment = '2026-12-01T22:58:30.000Z';
    try {
      const inZone = (zone: string) => {
        process.env.TZ = zone;
        return dateTimeText(moment);
      };
      assert.equal(inZone('UTC'), '2026-12-01 22:58\u00a0UTC');
      assert.equal(inZone('Asia/Kolkata'), '2026-12-02 04:28\u00a0UTC+5:30', 'the date follows the clock past midnight');
      assert.equal(inZone('America/New_York'), '2026-12-01 17:58\u00a0UTC−5');
      assert.equal(dateTimeText(new Date(moment)), dateTimeText(Date.parse(moment)));
      assert.equal(dateTimeText('not a date'), '—');
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });

  it('writes durations with their unit kept on the line', () => {
    assert.equal(durationText(97.64), '97.6\u00a0s');
    assert.equal(durationText(200), '3\u00a0min 20\u00a0s');
    assert.equal(durationText(3 * 3600 + 5 * 60 + 2), '3\u00a0h 05\u00a0min');
  });

  it('captions the perturbation picture by what its factor did: amplified above 1, scaled down to fit below', () => {
    assert.equal(perturbationCaption(11.6124), 'amplified ×11.6 around grey');
    assert.equal(perturbationCaption(0.857), 'scaled ×0.857 to fit, around grey');
    assert.equal(perturbationCaption(1), 'shown as it is, around grey');
    assert.equal(perturbationCaption(null), 'shown around grey');
  });

  it('splits a file name for a middle ellipsis: the name after the last slash stays whole', () => {
    assert.deepEqual(middleEllipsisParts('7_Sneaker/01000.png'), ['7_Sneaker/', '01000.png']);
    assert.deepEqual(middleEllipsisParts('a/b/c/very-long-folder/IMG_20240101_123456_0001.jpeg'), ['a/b/c/very-long-folder/IMG_2', '0240101_123456_0001.jpeg'], 'a long name keeps its last 24 characters');
    assert.deepEqual(middleEllipsisParts('record-000123'), ['record-', '000123'], 'without a slash: the second half, up to 12 characters');
    assert.deepEqual(middleEllipsisParts(''), ['', '']);
    for (const text of ['x/y.png', 'plain', 'dir/', 'a/b/c']) assert.equal(middleEllipsisParts(text).join(''), text);
  });
});

describe('flat-boundary prediction', () => {
  it('is the cap fraction at h/r = 1/α, and larger one grid step closer', () => {
    const p = predictFlatBoundary(0.5, 2, 50, 10 / 256);
    assert.ok(Math.abs(10 ** p.log10AtEps - capFraction(0.5, 50)) < 1e-12);
    assert.ok(Math.abs(10 ** p.log10OneStepCloser - capFraction((0.5 - 10 / 256) / 1, 50)) < 1e-12);
    assert.ok(p.log10OneStepCloser > p.log10AtEps);
    assert.equal(predictFlatBoundary(0.5, 1, 50, 0.01).log10AtEps, -Infinity, 'a ball of radius ε* cannot reach a plane at ε*');
  });

  it('averages probabilities in log space', () => {
    assert.ok(Math.abs(log10MeanOfPowers([-2, -3]) - Math.log10((0.01 + 0.001) / 2)) < 1e-12);
    assert.ok(Math.abs(log10MeanOfPowers([-2000, -2000]) + 2000) < 1e-9);
    assert.ok(Math.abs(log10MeanOfPowers([-Infinity, -1]) - Math.log10(0.05)) < 1e-12);
    assert.equal(log10MeanOfPowers([]), -Infinity);
  });
});
