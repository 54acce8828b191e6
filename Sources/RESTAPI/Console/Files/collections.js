// Collections: every class with its object count, properties, vectorizer and index settings.
import {graphql} from './api.js';
import {h, fill} from './dom.js';
import {loadSchema, kindOf, gqlName} from './schema.js';

async function objectCounts(classes) {
  if (!classes.length) return {};
  const data = await graphql(`{ Aggregate { ${classes.map((c) => `${gqlName(c.class)} { meta { count } }`).join(' ')} } }`);
  const counts = {};
  for (const c of classes) counts[c.class] = data?.Aggregate?.[c.class]?.[0]?.meta?.count ?? null;
  return counts;
}

function settings(cls) {
  const index = cls.vectorIndexConfig || {};
  const rows = [
    ['vectorizer', cls.vectorizer || 'none'],
    ['vector index', cls.vectorIndexType || 'hnsw'],
    ['distance', index.distance],
    ['ef', index.ef],
    ['efConstruction', index.efConstruction],
    ['maxConnections', index.maxConnections],
    ['flat search cutoff', index.flatSearchCutoff],
    ['skip', index.skip],
  ];
  const clip = cls.moduleConfig?.['multi2vec-clip'];
  if (clip) {
    rows.push(['image fields', (clip.imageFields || []).join(', ') || '–']);
    rows.push(['text fields', (clip.textFields || []).join(', ') || '–']);
    if (clip.weights) rows.push(['weights', JSON.stringify(clip.weights)]);
  }
  const bm25 = cls.invertedIndexConfig?.bm25;
  if (bm25) rows.push(['bm25 k1 / b', `${bm25.k1} / ${bm25.b}`]);
  return h('dl', {class: 'settings'},
    rows.filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [h('dt', null, k), h('dd', null, String(v))]));
}

function propertyTable(cls) {
  const properties = cls.properties || [];
  if (!properties.length) return h('p', {class: 'muted'}, 'No properties yet.');
  return h('table', {class: 'props'},
    h('thead', null, h('tr', null, ['property', 'type', 'tokenization', 'filterable', 'searchable'].map((t) => h('th', null, t)))),
    h('tbody', null, properties.map((p) => h('tr', null,
      h('td', null, p.name),
      h('td', null, kindOf(p) === 'reference' ? `→ ${p.dataType.join(', ')}` : p.dataType.join(', ')),
      h('td', null, p.tokenization || ''),
      h('td', null, p.indexFilterable === false ? 'no' : 'yes'),
      h('td', null, p.indexSearchable === false ? 'no' : 'yes')))));
}

export async function render(root) {
  const classes = await loadSchema();
  const counts = await objectCounts(classes);
  fill(root,
    h('h1', null, 'Collections'),
    classes.length ? null : h('p', {class: 'muted'}, 'No collections yet. Create one in Import, or through the API.'),
    h('div', {class: 'collections'}, classes.map((cls) => h('section', {class: 'collection', dataset: {class: cls.class}},
      h('header', null,
        h('h2', null, cls.class),
        h('span', {class: 'count'}, counts[cls.class] === null ? '? objects' : `${counts[cls.class]} objects`),
        h('a', {class: 'button', href: `#/search/${encodeURIComponent(cls.class)}`}, 'Search'),
        h('a', {class: 'button', href: `#/import/${encodeURIComponent(cls.class)}`}, 'Import')),
      cls.description ? h('p', null, cls.description) : null,
      settings(cls),
      propertyTable(cls)))));
}
