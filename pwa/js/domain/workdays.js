// Working days and legal deadlines — the same rules as server/domain/workdays.py, fed by the calendar the
// server exports (GET /api/calendar), so a deadline printed offline matches the server's.
// Dates are 'YYYY-MM-DD' strings; arithmetic in UTC so the device's time zone cannot shift a day.

export const DEADLINES = {
  hearing: ['working', 5, '申请听证期限（《中华人民共和国行政处罚法》第六十四条、第八十五条：5个工作日）'],
  statement: ['working', 3, '陈述、申辩期限（3个工作日）'],
  payment: ['calendar', 15, '缴纳罚款期限（《中华人民共和国行政处罚法》第六十七条：15日）'],
  publication: ['working', 7, '行政处罚决定公示期限（国办发〔2018〕118号：7个工作日）'],
};

export const missingYearWarning = (year) =>
  `${year}年的法定节假日安排尚未录入，期限按周一至周五为工作日估算，请管理员在工作日历中补充`;

const toDate = (iso) => new Date(`${iso}T00:00:00Z`);
const toIso = (d) => d.toISOString().slice(0, 10);
const plusDays = (iso, n) => { const d = toDate(iso); d.setUTCDate(d.getUTCDate() + n); return toIso(d); };
const yearOf = (iso) => Number(iso.slice(0, 4));

export class WorkCalendar {
  // overrides: {'2026-10-01': false, '2026-10-10': true, ...}; coveredYears: [2025, 2026]
  constructor(overrides, coveredYears) {
    this.overrides = { ...overrides };
    this.covered = new Set(coveredYears);
  }

  static fromExport(data) {
    const overrides = {};
    for (const d of data.days) overrides[d.date] = d.workday;
    return new WorkCalendar(overrides, data.covered_years);
  }

  isWorkday(iso) {
    if (iso in this.overrides) return this.overrides[iso];
    const wd = toDate(iso).getUTCDay();
    return wd >= 1 && wd <= 5;
  }

  warn(years) {
    return [...years].filter((y) => !this.covered.has(y)).sort((a, b) => a - b).map(missingYearWarning);
  }

  addWorkdays(start, n) {
    if (n < 1) throw new Error('n must be at least 1');
    let day = start; let counted = 0; const years = new Set([yearOf(start)]);
    while (counted < n) {
      day = plusDays(day, 1);
      years.add(yearOf(day));
      if (this.isWorkday(day)) counted += 1;
    }
    return [day, this.warn(years)];
  }

  addDays(start, n) {
    if (n < 0) throw new Error('n must not be negative');
    let day = plusDays(start, n);
    const years = new Set([yearOf(start), yearOf(day)]);
    while (n > 0 && !this.isWorkday(day)) { day = plusDays(day, 1); years.add(yearOf(day)); }
    return [day, this.warn(years)];
  }

  deadline(kind, start, days = null) {
    if (kind === 'correction') {
      const [due, warnings] = this.addDays(start, Number(days || 0));
      return { kind, start, due, label: `责令改正期限（${Number(days || 0)}日）`, warnings };
    }
    const [counting, def, label] = DEADLINES[kind];
    const n = days === null || days === undefined ? def : Number(days);
    const [due, warnings] = counting === 'working' ? this.addWorkdays(start, n) : this.addDays(start, n);
    return { kind, start, due, label, warnings };
  }
}
