"""Concurrent writers to the same objects: every acknowledged update survives.

Weaviate serialises writes per object, so concurrent requests behave as some serial order of
themselves. These tests send overlapping PATCH, PUT, reference adds and deletes, batch upserts and
batch deletes from many threads and check the end state against what the acknowledged requests
imply: commutative updates (PATCHes of different properties, reference adds) must all be there, and
conflicting ones (PUT vs PATCH, batch upsert vs batch delete) must leave one of the states a serial
order allows — never a mix, never a lost acknowledged update.
"""
from __future__ import annotations

import random
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import requests
import weaviate

pytestmark = pytest.mark.backends("sqlite", "postgres")

OBJECTS = 300
CLIENTS = 8


def ids(n: int, tag: int) -> list[str]:
    return [str(uuid.UUID(int=(tag << 64) | i, version=4)) for i in range(n)]


def run_parallel(jobs, workers: int):
    """Runs each job on its own thread; re-raises the first failure."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for f in [pool.submit(job) for job in jobs]:
            f.result()


def all_objects(url: str, cls: str) -> dict[str, dict]:
    out, after = {}, None
    while True:
        params = {"class": cls, "limit": 500, "include": "vector"}
        if after:
            params["after"] = after
        page = requests.get(url + "/v1/objects", params=params, timeout=60).json()["objects"]
        if not page:
            return out
        out.update({o["id"]: o for o in page})
        after = page[-1]["id"]


def beacon_ids(obj: dict, prop: str) -> list[str]:
    return sorted(r["beacon"].rsplit("/", 1)[-1] for r in obj["properties"].get(prop) or [])


def test_parallel_patches_of_different_properties_lose_nothing(iris, http):
    props = [{"name": f"p{c}", "dataType": ["int"]} for c in range(CLIENTS)]
    http.post("/v1/schema", json={"class": "Patched", "properties": props}).raise_for_status()
    object_ids = ids(OBJECTS, 1)
    r = http.post("/v1/batch/objects", json={"objects": [
        {"class": "Patched", "id": i, "properties": {}, "vector": [1.0, 0.0, 0.0]} for i in object_ids]})
    assert r.status_code == 200 and all("errors" not in o["result"] for o in r.json())

    def client(c: int):
        s = requests.Session()
        order = object_ids[:]
        random.Random(c).shuffle(order)
        for n, i in enumerate(order):
            r = s.patch(f"{iris.url}/v1/objects/Patched/{i}", json={"class": "Patched", "properties": {f"p{c}": n}},
                        timeout=60)
            assert r.status_code == 204, r.text
            expected[c][i] = n

    expected = [dict() for _ in range(CLIENTS)]
    run_parallel([lambda c=c: client(c) for c in range(CLIENTS)], CLIENTS)
    stored = all_objects(iris.url, "Patched")
    lost = [(c, i) for c in range(CLIENTS) for i, n in expected[c].items()
            if stored[i]["properties"].get(f"p{c}") != n]
    assert lost == [], f"{len(lost)} of {CLIENTS * OBJECTS} acknowledged PATCHes lost"
    # The vector stayed with every object (PATCH without a vector keeps it).
    assert all(o["vector"] == [1.0, 0.0, 0.0] for o in stored.values())


def test_parallel_reference_adds_lose_nothing(iris, http):
    http.post("/v1/schema", json={"class": "Target", "properties": [{"name": "n", "dataType": ["int"]}]}).raise_for_status()
    http.post("/v1/schema", json={"class": "Source", "properties": [
        {"name": "left", "dataType": ["Target"]}, {"name": "right", "dataType": ["Target"]},
        {"name": "many", "dataType": ["Target"]}]}).raise_for_status()
    targets = ids(20, 2)
    sources = ids(400, 3)
    for cls, group in (("Target", targets), ("Source", sources)):
        r = http.post("/v1/batch/objects", json={"objects": [{"class": cls, "id": i, "properties": {}} for i in group]})
        assert all("errors" not in o["result"] for o in r.json())

    def batch_refs(prop: str, offset: int):
        s = requests.Session()
        for start in range(0, len(sources), 50):
            refs = [{"from": f"weaviate://localhost/Source/{i}/{prop}",
                     "to": f"weaviate://localhost/Target/{targets[(k + offset) % len(targets)]}"}
                    for k, i in enumerate(sources[start:start + 50], start)]
            r = s.post(iris.url + "/v1/batch/references", json=refs, timeout=60)
            assert r.status_code == 200 and all("errors" not in x["result"] for x in r.json()), r.text

    def single_refs(c: int):
        s = requests.Session()
        for i in sources[:100]:
            r = s.post(f"{iris.url}/v1/objects/Source/{i}/references/many",
                       json={"beacon": f"weaviate://localhost/Target/{targets[c]}"}, timeout=60)
            assert r.status_code == 200, r.text

    jobs = [lambda: batch_refs("left", 0), lambda: batch_refs("right", 7)]
    jobs += [lambda c=c: single_refs(c) for c in range(4)]
    run_parallel(jobs, len(jobs))
    stored = all_objects(iris.url, "Source")
    for k, i in enumerate(sources):
        assert beacon_ids(stored[i], "left") == [targets[k % len(targets)]], i
        assert beacon_ids(stored[i], "right") == [targets[(k + 7) % len(targets)]], i
        if k < 100:
            assert beacon_ids(stored[i], "many") == sorted(targets[:4]), i


def test_mixed_writers_end_in_a_serial_state(iris, http):
    """PUT, PATCH, reference add/delete, batch upsert and batch delete on overlapping objects."""
    http.post("/v1/schema", json={"class": "Tag", "properties": [{"name": "n", "dataType": ["int"]}]}).raise_for_status()
    http.post("/v1/schema", json={"class": "Mixed", "properties": [
        {"name": "a", "dataType": ["int"]}, {"name": "b", "dataType": ["int"]}, {"name": "owner", "dataType": ["text"]},
        {"name": "round", "dataType": ["int"]}, {"name": "tags", "dataType": ["Tag"]}]}).raise_for_status()
    tags = ids(6, 4)
    http.post("/v1/batch/objects", json={"objects": [{"class": "Tag", "id": t, "properties": {"n": k}}
                                                    for k, t in enumerate(tags)]}).raise_for_status()
    shared = ids(120, 5)      # PATCH a / PATCH b / reference adds and deletes / PUT
    churned = ids(120, 6)     # batch upserts against batch deletes
    rng = np.random.default_rng(7)
    vec = lambda: [float(x) for x in rng.standard_normal(8)]
    base = [{"class": "Mixed", "id": i, "properties": {"owner": "seed", "tags": [
        {"beacon": f"weaviate://localhost/Tag/{tags[0]}"}]}, "vector": vec()} for i in shared]
    base += [{"class": "Mixed", "id": i, "properties": {"owner": "seed", "round": 0}, "vector": vec()} for i in churned]
    http.post("/v1/batch/objects", json={"objects": base}).raise_for_status()

    put_bodies: dict[str, dict] = {}
    lock = threading.Lock()

    def patcher(prop: str):
        s = requests.Session()
        for n, i in enumerate(shared):
            r = s.patch(f"{iris.url}/v1/objects/Mixed/{i}", json={"class": "Mixed", "properties": {prop: n + 1}}, timeout=60)
            assert r.status_code == 204, r.text

    def referencer():
        s = requests.Session()
        for i in shared:
            for t in tags[1:4]:
                r = s.post(f"{iris.url}/v1/objects/Mixed/{i}/references/tags",
                           json={"beacon": f"weaviate://localhost/Tag/{t}"}, timeout=60)
                assert r.status_code == 200, r.text
            r = s.delete(f"{iris.url}/v1/objects/Mixed/{i}/references/tags",
                         json={"beacon": f"weaviate://localhost/Tag/{tags[0]}"}, timeout=60)
            assert r.status_code == 204, r.text

    def putter():
        s = requests.Session()
        for i in shared[::3]:
            body = {"class": "Mixed", "id": i, "properties": {"owner": "put"}, "vector": vec()}
            r = s.put(f"{iris.url}/v1/objects/Mixed/{i}", json=body, timeout=60)
            assert r.status_code == 200, r.text
            with lock:
                put_bodies[i] = body

    upserted_rounds: dict[str, int] = {}

    def upserter():
        s = requests.Session()
        for rnd in range(1, 6):
            objs = [{"class": "Mixed", "id": i, "properties": {"owner": "batch", "round": rnd}, "vector": vec()}
                    for i in churned]
            r = s.post(iris.url + "/v1/batch/objects", json={"objects": objs}, timeout=60)
            assert r.status_code == 200 and all("errors" not in o["result"] for o in r.json()), r.text
            with lock:
                upserted_rounds.update({i: rnd for i in churned})

    def deleter():
        s = requests.Session()
        for rnd in range(5):
            r = s.delete(iris.url + "/v1/batch/objects", json={"match": {"class": "Mixed", "where": {
                "path": ["round"], "operator": "Equal", "valueInt": rnd}}}, timeout=60)
            assert r.status_code == 200, r.text

    run_parallel([lambda: patcher("a"), lambda: patcher("b"), referencer, putter, upserter, deleter], 6)
    stored = all_objects(iris.url, "Mixed")
    n_of = {i: n + 1 for n, i in enumerate(shared)}
    for i in shared:
        p = stored[i]["properties"]
        if i in put_bodies:
            assert p.get("owner") == "put", (i, p)
            # The PUT came after some PATCHes and reference changes: those before it are gone, those after it
            # are there. Either way each field is the PATCH value or absent, never anything else.
            assert p.get("a") in (None, n_of[i]) and p.get("b") in (None, n_of[i]), (i, p)
            assert set(beacon_ids(stored[i], "tags")) <= set(tags[1:4]), (i, p)
        else:
            assert p.get("owner") == "seed", (i, p)
            assert p.get("a") == n_of[i] and p.get("b") == n_of[i], (i, p)
            assert beacon_ids(stored[i], "tags") == sorted(tags[1:4]), (i, p)
    # Each churned object is either deleted (a delete ran after its last upsert) or holds a whole upsert.
    for i in churned:
        if i in stored:
            p = stored[i]["properties"]
            assert p["owner"] == "batch" or p == {"owner": "seed", "round": 0}, (i, p)
    # The vector index agrees with the store: every stored object is found by its own vector.
    gql = "{Aggregate{Mixed{meta{count}}}}"
    count = http.post("/v1/graphql", json={"query": gql}).json()["data"]["Aggregate"]["Mixed"][0]["meta"]["count"]
    assert count == len(stored)
    for i in random.Random(1).sample(sorted(stored), 20):
        v = stored[i]["vector"]
        q = '{Get{Mixed(nearVector:{vector:%s} limit:1){_additional{id}}}}' % v
        hit = http.post("/v1/graphql", json={"query": q}).json()["data"]["Get"]["Mixed"]
        assert hit[0]["_additional"]["id"] == i


def test_official_client_stress_pattern(iris, client):
    """weaviate-client's own stress test shape: 4 batch workers add objects and then references."""
    client.schema.create({"classes": [
        {"class": "Author", "properties": [{"name": "name", "dataType": ["text"]}], "vectorizer": "none"},
        {"class": "Paragraph", "vectorizer": "none", "properties": [
            {"name": "contents", "dataType": ["text"]}, {"name": "hasParagraphs", "dataType": ["Paragraph"]},
            {"name": "author", "dataType": ["Author"]}]},
        {"class": "Article", "vectorizer": "none", "properties": [
            {"name": "title", "dataType": ["text"]}, {"name": "hasParagraphs", "dataType": ["Paragraph"]},
            {"name": "author", "dataType": ["Author"]}]},
    ]})
    for rnd in range(3):
        authors = [str(uuid.uuid4()) for _ in range(30)]
        paragraphs = [(str(uuid.uuid4()), authors[k % 30], None) for k in range(60)]
        paragraphs = [(p, a, paragraphs[k - 1][0] if k % 2 == 0 and k > 0 else None) for k, (p, a, _) in enumerate(paragraphs)]
        articles = [(str(uuid.uuid4()), authors[k % 30], paragraphs[k % 60][0]) for k in range(150)]
        client.batch.configure(batch_size=10, num_workers=4, dynamic=False)
        with client.batch as batch:
            for a in authors:
                batch.add_data_object({"name": a[:8]}, "Author", uuid=a)
        with client.batch as batch:
            for p, a, hp in paragraphs:
                batch.add_data_object({"contents": p[:8]}, "Paragraph", uuid=p)
                batch.add_reference(p, "Paragraph", "author", a, "Author")
                if hp:
                    batch.add_reference(p, "Paragraph", "hasParagraphs", hp, "Paragraph")
        with client.batch as batch:
            for art, a, p in articles:
                batch.add_data_object({"title": art[:8]}, "Article", uuid=art)
                batch.add_reference(art, "Article", "author", a, "Author")
                batch.add_reference(art, "Article", "hasParagraphs", p, "Paragraph")
        for art, a, p in articles:
            o = client.data_object.get_by_id(art, class_name="Article")
            assert beacon_ids(o, "author") == [a] and beacon_ids(o, "hasParagraphs") == [p], (rnd, o)
        for p, a, hp in paragraphs:
            o = client.data_object.get_by_id(p, class_name="Paragraph")
            assert beacon_ids(o, "author") == [a], (rnd, o)
            assert beacon_ids(o, "hasParagraphs") == ([hp] if hp else []), (rnd, o)
