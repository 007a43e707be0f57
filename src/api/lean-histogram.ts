// Histograms for the per-statement path, counted in typed arrays: prom-client's Histogram hashes its labels
// on every observe (≈1–2 µs and a string per call). The registry reads these like its own metrics (it asks
// each for name, help, type and get()).

type Sample = { metricName: string; labels: Record<string, string | number>; value: number }

/** One series of buckets. */
class Buckets {
  readonly counts: Float64Array
  sum = 0
  count = 0

  constructor(size: number) {
    this.counts = new Float64Array(size)
  }

  observe(bounds: readonly number[], value: number): void {
    this.sum += value
    this.count++
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]!++
        return
      }
    }
  }

  samples(name: string, bounds: readonly number[], labels: Record<string, string>, out: Sample[]): void {
    let cumulative = 0
    bounds.forEach((le, i) => {
      cumulative += this.counts[i]!
      out.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative })
    })
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: this.count })
    out.push({ metricName: `${name}_sum`, labels, value: this.sum })
    out.push({ metricName: `${name}_count`, labels, value: this.count })
  }
}

/** A label-less histogram. */
export class LeanHistogram {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly name: string
  readonly help: string
  readonly #bounds: readonly number[]
  #buckets: Buckets

  constructor(name: string, help: string, bounds: readonly number[]) {
    this.name = name
    this.help = help
    this.#bounds = bounds
    this.#buckets = new Buckets(bounds.length)
  }

  observe(value: number): void {
    this.#buckets.observe(this.#bounds, value)
  }

  get() {
    const values: Sample[] = []
    this.#buckets.samples(this.name, this.#bounds, {}, values)
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }

  reset(): void {
    this.#buckets = new Buckets(this.#bounds.length)
  }
}

/**
 * A histogram by resource and protocol. The series of a (resource, protocol) pair is made at its first
 * observation; later ones look it up in two Maps and count, allocating nothing. Both labels come from the
 * configuration and the engines, so the series are bounded.
 */
export class ResourceHistogram {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly name: string
  readonly help: string
  readonly #bounds: readonly number[]
  #series = new Map<string, Map<string, Buckets>>()

  constructor(name: string, help: string, bounds: readonly number[]) {
    this.name = name
    this.help = help
    this.#bounds = bounds
  }

  observe(resource: string, protocol: string, value: number): void {
    let byProtocol = this.#series.get(resource)
    if (!byProtocol) {
      byProtocol = new Map()
      this.#series.set(resource, byProtocol)
    }
    let buckets = byProtocol.get(protocol)
    if (!buckets) {
      buckets = new Buckets(this.#bounds.length)
      byProtocol.set(protocol, buckets)
    }
    buckets.observe(this.#bounds, value)
  }

  get() {
    const values: Sample[] = []
    for (const [resource, byProtocol] of this.#series)
      for (const [protocol, buckets] of byProtocol)
        buckets.samples(this.name, this.#bounds, { resource, protocol }, values)
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }

  reset(): void {
    this.#series = new Map()
  }
}
