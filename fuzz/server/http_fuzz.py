"""A black-box mutation fuzzer for a running Iris: GraphQL queries and REST bodies.

    python3 fuzz/server/http_fuzz.py URL SECONDS [SEED]

It creates classes Ref, Doc (every property type, a reference) and Photo (multi2vec-clip, when the server
has the module) with a few objects, then sends, for SECONDS, mutated copies of valid GraphQL queries
(tokens dropped, repeated, swapped, replaced by extreme numbers and odd strings) and REST writes and reads
with random JSON. It prints each answer that is a 5xx, not JSON, or slower than 5 s, and stops with exit
code 3 when the server stops answering. Run the server with anonymous access; point it at an empty data
folder (or database), since the classes are dropped and made again. See fuzz/README.md.
"""
import base64
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path

import requests

URL = sys.argv[1]
SECONDS = float(sys.argv[2])
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 1
rng = random.Random(SEED)
S = requests.Session()
IMAGES = Path(os.environ.get("IRIS_FIXTURES", Path(__file__).resolve().parents[3] / "shared" / "fixtures")) / "images"
IMG = base64.b64encode(sorted(IMAGES.iterdir())[0].read_bytes()).decode()

def setup():
    requests.delete(URL + '/v1/schema/Doc'); requests.delete(URL + '/v1/schema/Photo'); requests.delete(URL + '/v1/schema/Ref')
    r = S.post(URL + '/v1/schema', json={"class": "Ref", "vectorizer": "none", "properties": [{"name": "name", "dataType": ["text"]}]}); r.raise_for_status()
    r = S.post(URL + '/v1/schema', json={"class": "Doc", "vectorizer": "none", "properties": [
        {"name": "title", "dataType": ["text"]}, {"name": "tags", "dataType": ["text[]"]}, {"name": "n", "dataType": ["int"]},
        {"name": "ns", "dataType": ["int[]"]}, {"name": "x", "dataType": ["number"]}, {"name": "ok", "dataType": ["boolean"]},
        {"name": "when", "dataType": ["date"]}, {"name": "loc", "dataType": ["geoCoordinates"]}, {"name": "phone", "dataType": ["phoneNumber"]},
        {"name": "u", "dataType": ["uuid"]}, {"name": "blob", "dataType": ["blob"]}, {"name": "ref", "dataType": ["Ref"]}]}); r.raise_for_status()
    S.post(URL + '/v1/schema', json={"class": "Photo", "vectorizer": "multi2vec-clip", "moduleConfig": {"multi2vec-clip": {"imageFields": ["image"], "textFields": ["caption"]}},
        "properties": [{"name": "image", "dataType": ["blob"]}, {"name": "caption", "dataType": ["text"]}]})
    refs = []
    for i in range(5):
        rid = str(uuid.UUID(int=1000 + i)); refs.append(rid)
        S.post(URL + '/v1/objects', json={"class": "Ref", "id": rid, "properties": {"name": f"r{i}"}, "vector": [0.1 * i, 1, 0]})
    objs = []
    for i in range(60):
        objs.append({"class": "Doc", "id": str(uuid.UUID(int=i + 1)), "vector": [rng.random() for _ in range(4)], "properties": {
            "title": f"hello world {i} " + rng.choice(["cat", "dog", "fish"]), "tags": ["a", "b"][: i % 3], "n": i, "ns": [i, -i],
            "x": i / 3, "ok": i % 2 == 0, "when": "2020-01-0%dT00:00:00Z" % (1 + i % 9), "loc": {"latitude": 50 + i / 10, "longitude": 8},
            "phone": {"input": "+49 171 1234567"}, "u": str(uuid.UUID(int=i)),
            "ref": [{"beacon": f"weaviate://localhost/Ref/{refs[i % 5]}"}]}})
    r = S.post(URL + '/v1/batch/objects', json={"objects": objs}); r.raise_for_status()
    for i in range(3):  # without the module these fail, and Photo queries only get errors
        S.post(URL + '/v1/objects', json={"class": "Photo", "properties": {"image": IMG, "caption": f"photo {i}"}})

GQL = [
 '{ Get { Doc(limit: 5) { title n _additional { id vector distance } } } }',
 '{ Get { Doc(nearVector: {vector: [0.1, 0.2, 0.3, 0.4], certainty: 0.5}, limit: 3) { title _additional { certainty distance } } } }',
 '{ Get { Doc(where: {path: ["n"], operator: GreaterThan, valueInt: 10}, sort: [{path: ["x"], order: desc}], limit: 4, offset: 2) { n x } } }',
 '{ Get { Doc(where: {operator: And, operands: [{path: ["title"], operator: Like, valueText: "hel*"}, {path: ["ok"], operator: Equal, valueBoolean: true}]}) { title ok } } }',
 '{ Get { Doc(bm25: {query: "hello cat", properties: ["title^2"]}, limit: 3) { title _additional { score explainScore } } } }',
 '{ Get { Doc(hybrid: {query: "dog", alpha: 0.5, vector: [1, 0, 0, 0]}, limit: 3) { title _additional { score } } } }',
 '{ Get { Doc(where: {path: ["loc"], operator: WithinGeoRange, valueGeoRange: {geoCoordinates: {latitude: 50, longitude: 8}, distance: {max: 2000}}}) { loc { latitude longitude } } } }',
 '{ Get { Doc(after: "00000000-0000-0000-0000-000000000003", limit: 3) { n } } }',
 '{ Get { Doc(nearObject: {id: "00000000-0000-0000-0000-000000000001"}, limit: 2) { ref { ... on Ref { name _additional { id } } } } } }',
 '{ Get { Doc(nearVector: {vector: [1, 0, 0, 0]}, groupBy: {path: ["ok"], groups: 2, objectsPerGroup: 2}) { _additional { group { id count groupedBy { value path } hits { n } } } } } }',
 '{ Get { Doc(nearVector: {vector: [1, 0, 0, 0]}, group: {type: merge, force: 0.5}) { title } } }',
 '{ Aggregate { Doc(groupBy: ["ok"]) { groupedBy { value path } meta { count } n { mean sum maximum minimum median mode count } title { topOccurrences(limit: 2) { value occurs } } } } }',
 '{ Aggregate { Doc(where: {path: ["when"], operator: LessThan, valueDate: "2020-01-05T00:00:00Z"}, nearVector: {vector: [1,0,0,0], certainty: 0.1}) { meta { count } x { mean } ok { totalTrue percentageTrue } when { count } } } }',
 '{ Explore(nearVector: {vector: [1, 0, 0, 0]}, limit: 3) { beacon className certainty } }',
 '{ Get { Photo(nearText: {concepts: ["a photo"], moveTo: {concepts: ["cat"], force: 0.5}, moveAwayFrom: {objects: [{id: "00000000-0000-0000-0000-000000000001"}], force: 0.2}}) { caption _additional { distance } } } }',
 '{ Get { Photo(nearImage: {image: "%s"}, limit: 2) { caption } } }' % IMG[:400],
 '{ Get { Doc(where: {path: ["ref", "Ref", "name"], operator: Equal, valueText: "r1"}) { title } } }',
 '{ Get { Doc(where: {path: ["ns"], operator: ContainsAny, valueInt: [1, 2]}) { ns } } }',
 '{ Get { Doc(where: {path: ["id"], operator: ContainsAny, valueText: ["00000000-0000-0000-0000-000000000001"]}) { n } } }',
 '{ Get { Doc(where: {path: ["tags"], operator: IsNull, valueBoolean: false}, limit: 2) { tags phone { input internationalFormatted countryCode } u when } } }',
 'query Q($v: [Float]) { Get { Doc(nearVector: {vector: $v}) { n } } }',
 '{ Get { Doc(autocut: 1, nearVector: {vector: [1,0,0,0]}) { n } } }',
 '{ __schema { types { name fields { name } } } }',
 '{ Aggregate { Doc(objectLimit: 5, nearVector: {vector: [1,0,0,0], certainty: 0.2}) { meta { count } n { mean } } } }',
 '{ Aggregate { Doc(limit: 3, groupBy: ["n"]) { title { topOccurrences(limit: 3) { value occurs } count type } tags { count type topOccurrences { value } } } } }',
 '{ Get { Doc(where: {path: ["when"], operator: Equal, valueDate: "2020-01-01T00:00:00Z"}) { n when } } }',
 '{ Get { Doc(nearVector: {vector: [1,0,0,0], distance: 0.5}, limit: 3, offset: 1) { n } } }',
 '{ Get { Doc(hybrid: {query: "hello", fusionType: relativeScoreFusion, alpha: 0.3, properties: ["title"]}, limit: 4) { n _additional { score explainScore } } } }',
 '{ Get { Doc(bm25: {query: "hello dog"}, autocut: 2) { n _additional { score } } } }',
 '{ Get { Doc(sort: [{path: ["when"]}, {path: ["title"], order: asc}], limit: 5) { n } } }',
 '{ Get { Doc(where: {path: ["phone"], operator: Equal, valueText: "+49 171 1234567"}) { n } } }',
 '{ Get { Doc(where: {path: ["loc"], operator: WithinGeoRange, valueGeoRange: {geoCoordinates: {latitude: 90, longitude: 180}, distance: {max: 100}}}) { n } } }',
 '{ Get { Doc(where: {path: ["title"], operator: Like, valueText: "*?*?*?*?*?*?*?*?*?*?*?*?*?*?a"}) { n } } }',
 '{ Get { Doc(where: {path: ["x"], operator: GreaterThanEqual, valueNumber: 1.5}) { x } } }',
 '{ Get { Doc(where: {path: ["ref", "Ref", "name"], operator: Like, valueText: "r*"}, limit: 2) { ref { ... on Ref { name } } } } }',
 '{ Get { Doc(where: {path: ["u"], operator: Equal, valueText: "00000000-0000-0000-0000-000000000004"}) { u } } }',
 '{ Get { Doc(where: {path: ["_creationTimeUnix"], operator: GreaterThan, valueText: "0"}) { n _additional { creationTimeUnix lastUpdateTimeUnix } } } }',
 '{ Get { Doc(where: {path: ["ns"], operator: ContainsAll, valueInt: [1, -1]}) { ns } } }',
 '{ Get { Doc(where: {path: ["tags"], operator: Equal, valueText: "a"}, nearObject: {beacon: "weaviate://localhost/Doc/00000000-0000-0000-0000-000000000002", distance: 2}) { n } } }',
 '{ Explore(nearObject: {id: "00000000-0000-0000-0000-000000000005"}, limit: 3, offset: 1) { beacon distance } }',
 '{ Get { Doc(limit: 2) { _additional { id vector certainty isConsistent creationTimeUnix } } Ref(limit: 1) { name } } }',
]

WEIRD_NUMS = ['0', '-1', '2147483648', '-9223372036854775809', '99999999999999999999999', '1e308', '1e309', '-0', '0.5', 'NaN', '1e-400', '4294967296', '18446744073709551616']
WEIRD_STRS = ['""', '"\\u0000"', '"\\ud800"', '"' + 'a' * 5000 + '"', '"*"', '"%"', '"\\""', '"日本語"', '"2020-13-45T99:99:99Z"', '"not-a-uuid"', '"\\\\"']

def mutate_gql(q):
    import re
    toks = re.findall(r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:e-?\d+)?|[A-Za-z_][A-Za-z0-9_]*|\S', q)
    for _ in range(rng.randint(1, 4)):
        if not toks: break
        i = rng.randrange(len(toks)); t = toks[i]; m = rng.randrange(10)
        if m == 0: del toks[i]
        elif m == 1: toks.insert(i, toks[rng.randrange(len(toks))])
        elif m == 2 and re.match(r'-?\d', t): toks[i] = rng.choice(WEIRD_NUMS)
        elif m == 3 and t.startswith('"'): toks[i] = rng.choice(WEIRD_STRS)
        elif m == 4: toks[i] = rng.choice(['[', ']', '{', '}', '(', ')', ':', ',', '$v', '...', '@skip(if: true)', 'null', '[]', '{}', 'true', '"x"', '0'])
        elif m == 5: toks[i] = rng.choice(['Equal', 'NotEqual', 'Like', 'And', 'Or', 'Not', 'WithinGeoRange', 'IsNull', 'ContainsAll', 'GreaterThanEqual', 'valueInt', 'valueText', 'valueNumber', 'valueDate', 'valueBoolean', 'valueGeoRange', 'path', 'operands', 'limit', 'offset', 'certainty', 'distance', 'vector', 'groupBy', 'sort', 'after', 'Doc', 'Ref', 'Photo', 'ref', 'title', 'n', 'ns', 'loc', 'when', 'blob', 'id', '_additional', 'nearVector', 'nearObject', 'bm25', 'hybrid', 'alpha', 'properties', 'query', 'fusionType', 'rankedFusion', 'relativeScoreFusion', 'autocut', 'objectLimit', 'topOccurrences', 'meta', 'count'])
        elif m == 6: j = rng.randrange(len(toks)); toks[i], toks[j] = toks[j], toks[i]
        elif m == 7: toks[i:i] = toks[i:i + rng.randint(1, 20)]
        elif m == 8 and t == '[': toks[i:i + 1] = ['['] * rng.randint(1, 60)
        else: toks[i] = rng.choice(WEIRD_NUMS + WEIRD_STRS)
    return ' '.join(toks)

def rand_json(depth=0):
    c = rng.randrange(9 if depth < 4 else 6)
    if c == 0: return None
    if c == 1: return rng.choice([True, False])
    if c == 2: return rng.choice([0, -1, 2**31, 2**63, -2**63 - 1, 2**64, 1e308, 0.5, -0.0, 10**30])
    if c == 3: return rng.choice(['', 'x', 'a' * 3000, '2020-01-01T00:00:00Z', 'not a date', '00000000-0000-0000-0000-000000000001', '\u0000', 'weaviate://localhost/Ref/00000000-0000-0000-0000-0000000003e8', IMG[:100]])
    if c == 4: return rng.choice(['+49 171 1234567', 'abc', '€'])
    if c == 5: return rng.random()
    if c == 6: return [rand_json(depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(['beacon', 'latitude', 'longitude', 'input', 'defaultCountry', 'x', 'class', 'vector', 'properties', 'id']): rand_json(depth + 1) for _ in range(rng.randint(0, 3))}

PROPS = ['title', 'tags', 'n', 'ns', 'x', 'ok', 'when', 'loc', 'phone', 'u', 'blob', 'ref', 'unknown', '_id', '']

def rand_object():
    o = {"class": rng.choice(['Doc', 'Doc', 'Doc', 'Ref', 'Photo', 'S1', 'S2', 'Nope', '', None, 5])}
    if rng.random() < 0.5: o["id"] = rng.choice([str(uuid.UUID(int=rng.randint(1, 70))), 'bad', '', None, 7, str(uuid.uuid4()).upper()])
    if rng.random() < 0.6: o["vector"] = rng.choice([[rng.random() for _ in range(4)], [], [1, 2], ['a'], None, [1e39] * 4, [0] * 4, [[1]], {}])
    o["properties"] = {rng.choice(PROPS): rand_json() for _ in range(rng.randint(0, 5))} if rng.random() < 0.9 else rand_json()
    if rng.random() < 0.1: o["tenant"] = rand_json()
    if rng.random() < 0.1: o["vectorWeights"] = rand_json()
    return o

def rest_case():
    k = rng.randrange(13)
    oid = str(uuid.UUID(int=rng.randint(1, 70)))
    if k == 0: return 'POST', '/v1/objects', rand_object()
    if k == 1: return 'PUT', f'/v1/objects/Doc/{oid}', rand_object()
    if k == 2: return 'PATCH', f'/v1/objects/Doc/{oid}', rand_object()
    if k == 3: return 'POST', '/v1/batch/objects', {"objects": [rand_object() for _ in range(rng.randint(0, 8))], "fields": rand_json()}
    if k == 4: return 'POST', f'/v1/objects/Doc/{oid}/references/ref', rng.choice([{"beacon": f"weaviate://localhost/Ref/{uuid.UUID(int=1000 + rng.randint(0, 6))}"}, rand_json()])
    if k == 5: return 'PUT', f'/v1/objects/Doc/{oid}/references/{rng.choice(["ref", "title", "nope"])}', rng.choice([[{"beacon": f"weaviate://localhost/Ref/{uuid.UUID(int=1001)}"}], rand_json()])
    if k == 6: return 'POST', '/v1/batch/references', [{"from": rng.choice([f"weaviate://localhost/Doc/{oid}/ref", "weaviate://localhost/Doc/x/ref", rand_json()]), "to": rng.choice([f"weaviate://localhost/Ref/{uuid.UUID(int=1002)}", rand_json()])} for _ in range(rng.randint(0, 4))]
    if k == 7: return 'DELETE', '/v1/batch/objects', {"match": {"class": "Doc", "where": rng.choice([{"path": ["n"], "operator": "Equal", "valueInt": rng.randint(50, 80)}, rand_json()])}, "dryRun": rng.choice([True, False, rand_json()]), "output": rng.choice(["minimal", "verbose", rand_json()])}
    if k == 8: return 'POST', '/v1/objects/validate', rand_object()
    if k == 9: return 'GET', '/v1/objects?' + rng.choice(['class=Doc&limit=', 'after=', 'offset=', 'sort=', 'order=', 'include=']) + rng.choice(['-1', 'x', '99999999999999999999', '', 'vector', 'n', 'desc', '%00']), None
    if k == 10: return 'POST', '/v1/schema/Doc/properties', rng.choice([rand_json(), {"name": rng.choice(["p" + str(rng.randint(0, 9)), "title", "", "1x", "_id"]), "dataType": rng.choice([["text"], ["int[]"], ["Ref"], ["Nope"], [], rand_json()]), "tokenization": rng.choice(["word", "field", "whitespace", "lowercase", "bad", None]), "indexInverted": rand_json()}])
    if k == 11 and rng.random() < 0.5:
        name = rng.choice(["S1", "S2", "s3", "S" * 300, "Doc", "Ref"])
        body = {"class": name, "vectorizer": rng.choice(["none", "multi2vec-clip", "text2vec-x", rand_json()]),
                "vectorIndexType": rng.choice(["hnsw", "flat", "x", None]),
                "vectorIndexConfig": rng.choice([rand_json(), {rng.choice(["ef", "efConstruction", "maxConnections", "dynamicEfFactor", "dynamicEfMin", "dynamicEfMax", "flatSearchCutoff", "distance", "skip", "cleanupIntervalSeconds", "vectorCacheMaxObjects", "pq", "bq"]): rand_json() for _ in range(3)}]),
                "invertedIndexConfig": rng.choice([rand_json(), {"bm25": {"b": rand_json(), "k1": rand_json()}, "stopwords": {"preset": rng.choice(["en", "none", "x"]), "additions": rand_json(), "removals": rand_json()}, "indexTimestamps": rand_json(), "indexNullState": rand_json(), "indexPropertyLength": rand_json(), "cleanupIntervalSeconds": rand_json()}]),
                "multiTenancyConfig": rng.choice([None, {"enabled": rand_json()}]),
                "replicationConfig": rng.choice([None, {"factor": rand_json()}]),
                "moduleConfig": rng.choice([None, rand_json(), {"multi2vec-clip": {"imageFields": rand_json(), "textFields": rand_json(), "weights": rand_json()}}]),
                "properties": [{"name": "t", "dataType": rng.choice([["text"], ["blob"], ["number[]"], ["S1"], rand_json()])}] if rng.random() < 0.7 else rand_json()}
        if rng.random() < 0.5:
            r = rng.choice(['POST', 'PUT'])
            return r, '/v1/schema' if r == 'POST' else f'/v1/schema/{name}', body
        return rng.choice(['DELETE', 'GET']), f'/v1/schema/{rng.choice(["S1", "S2", "s3"])}', None
    if k == 11: return rng.choice(['POST', 'PUT', 'DELETE', 'GET']), f'/v1/schema/{rng.choice(["S1", "Doc"])}/tenants', rng.choice([[{"name": rng.choice(["t1", "t2", "", "a" * 100, 5])} for _ in range(rng.randint(0, 3))], rand_json(), ["t1"]])
    return 'POST', '/v1/graphql/batch', [{"query": mutate_gql(rng.choice(GQL))} for _ in range(rng.randint(0, 3))]

def rand_gql_search():
    cls = rng.choice(['Doc', 'Doc', 'S1', 'S2', 'Ref'])
    return '{ Get { %s(nearVector: {vector: [%s]}, limit: %d) { _additional { id distance } } } }' % (cls, ', '.join(str(rng.choice([0, 1, -1, 0.5, 1e-30, 3e38])) for _ in range(rng.choice([3, 4, 4, 5]))), rng.randint(0, 50))

def alive():
    try: return S.get(URL + '/v1/.well-known/ready', timeout=10).status_code == 200
    except Exception: return False

setup()
end = time.time() + SECONDS; n = 0; bad = []
while time.time() < end:
    n += 1
    if rng.random() < 0.55:
        q = mutate_gql(rng.choice(GQL)) if rng.random() < 0.9 else rand_gql_search(); body = {"query": q}
        if rng.random() < 0.2: body["variables"] = {"v": rand_json()}
        method, path = 'POST', '/v1/graphql'
    else:
        method, path, body = rest_case()
    t0 = time.time()
    try:
        r = S.request(method, URL + path, json=body, timeout=30)
        dt = time.time() - t0
        if r.status_code >= 500 or dt > 5:
            bad.append((r.status_code, round(dt, 2), method, path, json.dumps(body)[:600], r.text[:300]))
            print('BAD', bad[-1], flush=True)
        if r.status_code != 204 and r.text:
            try: r.json()
            except Exception: bad.append(('notjson', method, path, json.dumps(body)[:300], r.text[:200])); print('BAD', bad[-1], flush=True)
    except Exception as e:
        print('EXC', repr(e)[:200], method, path, json.dumps(body)[:800], flush=True)
        if not alive():
            print('SERVER DOWN after', n, 'requests', flush=True); sys.exit(3)
print('done', n, 'requests,', len(bad), 'bad')
sys.exit(1 if bad else 0)
