export type Verdict = 'PASS' | 'FAIL' | 'INFO';

interface Row {
  figure: string;
  value: string;
  target: string;
  verdict: Verdict;
}

/** The benchmark's result table: figures grouped by section, each against its DESIGN §7 target. */
export class Report {
  private readonly sections: Array<{ title: string; rows: Row[] }> = [];
  private readonly notes: string[] = [];

  section(title: string): void {
    this.sections.push({ title, rows: [] });
  }

  /** A measured figure with no target of its own (a reference, a detail). */
  info(figure: string, value: string): void {
    this.add({ figure, value, target: '', verdict: 'INFO' });
  }

  /** A figure with a target; NaN (nothing measured) fails. */
  check(figure: string, value: string, target: string, pass: boolean): void {
    this.add({ figure, value, target, verdict: pass ? 'PASS' : 'FAIL' });
  }

  note(text: string): void {
    this.notes.push(text);
  }

  get empty(): boolean {
    return this.sections.length === 0;
  }

  get failures(): number {
    return this.sections.flatMap((s) => s.rows).filter((r) => r.verdict === 'FAIL').length;
  }

  render(): string {
    const rows = this.sections.flatMap((s) => s.rows);
    const width = {
      figure: Math.max('figure'.length, ...rows.map((r) => r.figure.length)),
      value: Math.max('value'.length, ...rows.map((r) => r.value.length)),
      target: Math.max('target'.length, ...rows.map((r) => r.target.length)),
    };
    const line = (figure: string, value: string, target: string, verdict: string) =>
      `  ${figure.padEnd(width.figure)}  ${value.padStart(width.value)}  ${target.padEnd(width.target)}  ${verdict}`.trimEnd();
    const rule = `  ${'-'.repeat(width.figure + width.value + width.target + 12)}`;
    const out = [line('figure', 'value', 'target', 'result'), rule];
    for (const section of this.sections) {
      out.push(`  ${section.title}`);
      for (const r of section.rows) out.push(line(`  ${r.figure}`, r.value, r.target, r.verdict));
    }
    out.push(rule);
    const checked = rows.filter((r) => r.verdict !== 'INFO').length;
    out.push(`  ${checked - this.failures} of ${checked} targets met`);
    if (this.notes.length) out.push('', ...this.notes.map((n) => `  * ${n}`));
    return out.join('\n');
  }

  private add(row: Row): void {
    const current = this.sections[this.sections.length - 1];
    if (!current) throw new Error('Report.section() first');
    current.rows.push(row);
  }
}

const grouped = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });

export const fmt = {
  rate: (n: number, unit = 'req/s') => (Number.isFinite(n) ? `${grouped.format(n)} ${unit}` : 'n/a'),
  ms: (n: number) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms` : 'n/a'),
  s: (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)} s` : 'n/a'),
  pct: (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(1)} %` : 'n/a'),
  count: (n: number) => grouped.format(n),
  mb: (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`,
};
