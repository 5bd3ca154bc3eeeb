// A JSON Schema (2020-12 subset) validator for the schemas of docs/openapi.json. A keyword
// it does not know is an error, so that a schema can never pass by being misunderstood.
const ANNOTATIONS = new Set(['description', 'default', 'title', 'examples', 'contentMediaType', 'deprecated']);

export function validate(schema, value, root, at = '$') {
  const errs = [];
  check(schema, value, root, at, errs);
  return errs;
}

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function check(s, v, root, at, errs) {
  if (s === true) return;
  if (s === false) return errs.push(`${at}: no value allowed`);
  for (const [k, want] of Object.entries(s)) {
    if (ANNOTATIONS.has(k) || k.startsWith('x-')) continue;
    const t = typeOf(v);
    switch (k) {
      case '$ref': {
        const m = /^#\/(.*)$/.exec(want);
        if (!m) throw new Error(`unsupported $ref ${want}`);
        const target = m[1].split('/').reduce((o, p) => o && o[p], root);
        if (!target) throw new Error(`dangling $ref ${want}`);
        check(target, v, root, at, errs);
        break;
      }
      case 'type': {
        const ok = [want].flat().some((w) => w === t || (w === 'number' && t === 'integer'));
        if (!ok) errs.push(`${at}: ${t}, expected ${want}`);
        break;
      }
      case 'enum':
        if (!want.some((w) => JSON.stringify(w) === JSON.stringify(v))) errs.push(`${at}: ${JSON.stringify(v)} not in ${JSON.stringify(want)}`);
        break;
      case 'const':
        if (JSON.stringify(want) !== JSON.stringify(v)) errs.push(`${at}: ${JSON.stringify(v)}, expected ${JSON.stringify(want)}`);
        break;
      case 'required':
        if (t === 'object') for (const r of want) if (!(r in v)) errs.push(`${at}: missing ${r}`);
        break;
      case 'properties':
        if (t === 'object') for (const [p, ps] of Object.entries(want)) if (p in v) check(ps, v[p], root, `${at}.${p}`, errs);
        break;
      case 'additionalProperties':
        if (t === 'object')
          for (const p of Object.keys(v)) if (!(s.properties && p in s.properties)) check(want, v[p], root, `${at}.${p}`, errs);
        break;
      case 'items':
        if (t === 'array') v.forEach((x, i) => check(want, x, root, `${at}[${i}]`, errs));
        break;
      case 'minItems':
        if (t === 'array' && v.length < want) errs.push(`${at}: fewer than ${want} items`);
        break;
      case 'maxItems':
        if (t === 'array' && v.length > want) errs.push(`${at}: more than ${want} items`);
        break;
      case 'minimum':
        if ((t === 'integer' || t === 'number') && v < want) errs.push(`${at}: ${v} < ${want}`);
        break;
      case 'maximum':
        if ((t === 'integer' || t === 'number') && v > want) errs.push(`${at}: ${v} > ${want}`);
        break;
      case 'minLength':
        if (t === 'string' && [...v].length < want) errs.push(`${at}: shorter than ${want}`);
        break;
      case 'maxLength':
        if (t === 'string' && [...v].length > want) errs.push(`${at}: longer than ${want}`);
        break;
      case 'pattern':
        if (t === 'string' && !new RegExp(want, 'u').test(v)) errs.push(`${at}: ${JSON.stringify(v.slice(0, 80))} does not match ${want}`);
        break;
      case 'anyOf':
      case 'oneOf': {
        const n = want.filter((w) => validate(w, v, root, at).length === 0).length;
        if (k === 'anyOf' ? n === 0 : n !== 1) errs.push(`${at}: ${n} of ${k} match`);
        break;
      }
      case 'allOf':
        for (const w of want) check(w, v, root, at, errs);
        break;
      default:
        throw new Error(`schema keyword ${k} at ${at} is not supported by tests/e2e/lib/schema.mjs`);
    }
  }
}
