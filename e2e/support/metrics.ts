/** Scrapes GET /api/metrics and reads it with a real Prometheus text-format parser, for the specs. */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

type Labels = Record<string, string>;

export interface Scrape {
  status: number;
  contentType: string | null;
  text: string;
  /** The families the parser found, by name. */
  families: Map<string, ReturnType<typeof parsePrometheusTextFormat>[number]>;
}

export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Scrape> {
  const res = await fetch(`${url}/api/metrics`, { headers });
  const text = await res.text();
  const families = new Map(
    res.ok ? parsePrometheusTextFormat(text).map((family) => [family.name, family] as const) : [],
  );
  return { status: res.status, contentType: res.headers.get('content-type'), text, families };
}

const matches = (labels: Labels | undefined, wanted: Labels) =>
  Object.entries(wanted).every(([key, value]) => labels?.[key] === value);

/** The value of the one sample of `name` with these labels; throws when there is none (or several). */
export function sample(scraped: Scrape, name: string, labels: Labels = {}): number {
  const found = (scraped.families.get(name)?.metrics ?? []).filter((m) => matches(m.labels, labels));
  if (found.length !== 1 || found[0]!.value === undefined) {
    throw new Error(`expected one sample of ${name}${JSON.stringify(labels)}, found ${found.length}`);
  }
  return Number(found[0]!.value);
}

/** Every sample of a gauge or counter family: labels and value. */
export function samples(scraped: Scrape, name: string): { labels: Labels; value: number }[] {
  return (scraped.families.get(name)?.metrics ?? []).map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }));
}

/** The count and sum of a histogram's series with these labels. */
export function histogram(scraped: Scrape, name: string, labels: Labels = {}): { count: number; sum: number } {
  const found = (scraped.families.get(name)?.metrics ?? []).filter((m) => matches(m.labels, labels));
  if (found.length !== 1)
    throw new Error(`expected one series of ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return { count: Number(found[0]!.count), sum: Number(found[0]!.sum) };
}
