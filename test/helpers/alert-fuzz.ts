/**
 * Seeded fuzzing of POST /falco bodies: prototype-chain names (`__proto__`, `constructor`,
 * `toString`...) in every field, as output_fields keys and values, as tags and flags the
 * explainers look up; plus structural damage (wrong types, missing fields, batches, NDJSON,
 * garbage). The same seed gives the same bodies, so a failure can be replayed.
 * Used by test/integration/ingest-fuzz.test.ts and scripts/faults/fuzz.scenario.ts.
 */

export const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
  '__lookupGetter__',
  'propertyIsEnumerable',
  'toLocaleString',
] as const;

/** mulberry32: a tiny seeded PRNG, good enough to pick mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Obj = Record<string, unknown>;

/** Sets a key as an own, enumerable property, even `__proto__` (so JSON.stringify writes it). */
function put(o: Obj, key: string, value: unknown): void {
  // An earlier mutation may have replaced the object with another type.
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return;
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

const FIELDS = [
  'rule',
  'priority',
  'time',
  'output',
  'output_fields',
  'source',
  'tags',
  'hostname',
  'uuid',
];
const PRIORITIES = ['Warning', 'notice', 'INFO', 'critical', 'Emergency', 'debug', 'warn'];
const SOURCES = ['syscall', 'k8s_audit', 'aws_cloudtrail', 'okta', 'gcp_auditlog', 'github'];
/** Fields the renderer, explainers and fingerprint read by name. */
const KNOWN_FIELDS = [
  'proc.name',
  'proc.cmdline',
  'proc.pname',
  'proc.aname[2]',
  'proc.tty',
  'evt.arg.flags',
  'evt.res',
  'user.loginuid',
  'k8s.ns.name',
  'k8s.pod.name',
  'container.id',
  'container.image.repository',
  'fd.name',
  'ka.uri',
];

export interface FuzzBody {
  /** What is sent as the request body. */
  body: string;
  /** A short label of what was done to it, for failure messages. */
  what: string;
}

export function fuzzBodies(seed: number, count: number): FuzzBody[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const proto = () => pick(PROTO_KEYS);
  let n = 0;
  const base = (): Obj => {
    n++;
    return {
      rule: `Fuzz rule ${n % 37}`,
      priority: pick(PRIORITIES),
      time: new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString(),
      output: `fuzz output ${n}`,
      output_fields: { 'proc.name': `p${n}`, 'container.id': `c${n % 11}` },
      source: pick(SOURCES),
      hostname: `node-${n % 5}`,
      uuid: `fuzz-${seed}-${n}`,
    };
  };
  const scalar = (): unknown =>
    pick([
      () => proto(),
      () => `${proto()}|${proto()}`,
      () => `mitre_${proto()}`,
      () => rnd() * 1e6,
      () => null,
      () => true,
      () => '',
      () => '<NA>',
      () => '-n',
    ])();
  const wrongType = (): unknown =>
    pick([
      () => 42,
      () => null,
      () => [],
      () => ({}),
      () => true,
      () => [proto()],
      () => ({ [proto()]: 1 }),
    ])();

  const mutations: Array<[string, (o: Obj) => void]> = [
    [
      'proto value in a field',
      (o) => {
        const f = pick(FIELDS.filter((x) => x !== 'output_fields' && x !== 'tags'));
        o[f] = proto();
      },
    ],
    [
      'proto priority',
      (o) => (o.priority = pick([proto(), proto().toUpperCase(), ` ${proto()} `])),
    ],
    ['proto rule and source', (o) => ((o.rule = proto()), (o.source = proto()))],
    [
      'proto output_fields key',
      (o) => {
        const of = o.output_fields as Obj;
        for (let i = 0; i < 1 + Math.floor(rnd() * 3); i++) put(of, proto(), scalar());
      },
    ],
    [
      'proto output_fields values',
      (o) => {
        const of = o.output_fields as Obj;
        for (const k of KNOWN_FIELDS) if (rnd() < 0.5) put(of, k, scalar());
      },
    ],
    [
      'proto output_fields as array',
      (o) => put(o.output_fields as Obj, proto(), [proto(), 1, null]),
    ],
    ['proto tags', (o) => (o.tags = [proto(), `mitre_${proto()}`, 'T1059', `T1059.${proto()}`])],
    [
      'top-level proto keys',
      (o) => put(o, proto(), pick([{ priority: 'Warning' }, 'x', [1], null])),
    ],
    [
      'fields only in a __proto__ object',
      (o) => {
        const f = pick(['rule', 'priority', 'time']);
        const inner: Obj = {};
        put(inner, f, o[f]);
        delete o[f];
        put(o, '__proto__', inner);
      },
    ],
    [
      'output_fields is __proto__ object',
      (o) => put(o, 'output_fields', JSON.parse('{"__proto__":{"a":1}}')),
    ],
    ['wrong type', (o) => (o[pick(FIELDS)] = wrongType())],
    ['missing field', (o) => delete o[pick(FIELDS)]],
    [
      'long string',
      (o) => (o[pick(['rule', 'hostname', 'source', 'uuid'])] = 'x'.repeat(pick([1025, 5000]))),
    ],
    ['bad time', (o) => (o.time = pick(['yesterday', '2025-13-01T00:00:00Z', '', '0']))],
    ['nested field value', (o) => put(o.output_fields as Obj, 'proc.name', { toString: 'x' })],
  ];

  const mutate = (o: Obj): string => {
    const names: string[] = [];
    const k = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < k; i++) {
      const [name, fn] = pick(mutations);
      fn(o);
      names.push(name);
    }
    return names.join(' + ');
  };

  const out: FuzzBody[] = [];
  for (let i = 0; i < count; i++) {
    const r = rnd();
    if (r < 0.7) {
      const o = base();
      const what = mutate(o);
      out.push({ body: JSON.stringify(o), what });
    } else if (r < 0.85) {
      const items = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => {
        const o = base();
        if (rnd() < 0.5) mutate(o);
        return o;
      });
      out.push(
        rnd() < 0.5
          ? { body: JSON.stringify(items), what: 'batch (array)' }
          : { body: items.map((x) => JSON.stringify(x)).join('\n'), what: 'batch (NDJSON)' },
      );
    } else {
      out.push(
        pick<FuzzBody>([
          { body: '', what: 'empty' },
          { body: 'null', what: 'null' },
          { body: '[]', what: 'empty array' },
          { body: '"__proto__"', what: 'a string' },
          { body: '{"__proto__":null}', what: 'only __proto__' },
          { body: '{"constructor":{"prototype":{"polluted":1}}}', what: 'constructor.prototype' },
          { body: '[{"__proto__":{"rule":"x"}}, 1]', what: 'array with junk' },
          { body: '{"rule":', what: 'truncated' },
          { body: '\uFEFF{}', what: 'BOM object' },
          { body: '[[[[[[[[[[]]]]]]]]]]', what: 'nested arrays' },
          {
            body: `{"rule":"x","priority":"Warning","time":"2025-01-01T00:00:00Z","output_fields":${'['.repeat(50)}${']'.repeat(50)}}`,
            what: 'deep output_fields',
          },
          { body: 'garbage \u0000 bytes', what: 'garbage' },
        ]),
      );
    }
  }
  return out;
}
