"""bm25 and hybrid in GraphQL Get through weaviate-client 3.26.7's own builders (`with_bm25`,
`with_hybrid`), checked against BM25F and reciprocal-rank fusion computed here from the corpus."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

from conftest import make_client
from graphql_helpers import brute_distances, create_class, hits, import_objects, uid

# Both storage engines, same assertions (conftest.py `backend`).
pytestmark = pytest.mark.backends("sqlite", "postgres")

STOPWORDS = set("a an and are as at be but by for if in into is it no not of on or such that the their then "
                "there these they this to was will with".split())
WORDS = ["apple", "banana", "cherry", "the", "a", "river", "stone", "quick", "fox", "of", "blue", "night"]
K1, B = 1.2, 0.75


def corpus(n=60, seed=3):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        title = " ".join(rng.choice(WORDS, size=rng.integers(1, 4)))
        body = " ".join(rng.choice(WORDS, size=rng.integers(3, 12))).capitalize() + "."
        rows.append({"title": title, "body": body, "rank": i})
    vectors = rng.normal(size=(n, 6)).astype(np.float32)
    return rows, vectors


def tokens(text):
    return re.findall(r"[^\W_]+", text.lower())


def bm25_reference(rows, query, props, allowed=None):
    """BM25F as Weaviate 1.19 scores it: per term, frequencies (× boost) and lengths summed over properties."""
    parsed = [(p.split("^")[0], float(int(p.split("^")[1])) if "^" in p else 1.0) for p in props]
    n_docs = len(rows)
    avg = 0.0
    for p, _ in parsed:
        lengths = [len(tokens(r[p])) for r in rows if tokens(r[p])]
        avg += sum(lengths) / len(lengths)
    avg /= len(parsed)
    counts = {}
    for t in tokens(query):
        if t not in STOPWORDS:
            counts[t] = counts.get(t, 0) + 1
    scores = {}
    for term, repeats in counts.items():
        merged = {}
        for p, boost in parsed:
            for i, r in enumerate(rows):
                toks = tokens(r[p])
                f = toks.count(term)
                if f:
                    m = merged.setdefault(i, [0.0, 0.0])
                    m[0] += f * boost
                    m[1] += len(toks)
        idf = math.log(1 + (n_docs - len(merged) + 0.5) / (len(merged) + 0.5)) * repeats
        for i, (f, length) in merged.items():
            if allowed is None or i in allowed:
                scores[i] = scores.get(i, 0.0) + idf * f / (f + K1 * (1 - B + B * length / avg))
    return scores


def rank_ids(scores):
    return [i for i, _ in sorted(scores.items(), key=lambda kv: (-np.float32(kv[1]), kv[0]))]


def index_of(hit):
    return int(hit["_additional"]["id"].rsplit("-", 1)[1], 16)


def assert_scores(got, expected, limit=None):
    """Each hit's score is its reference score; the hits are the best ones, best first."""
    order = rank_ids(expected)[:limit] if limit else rank_ids(expected)
    assert len(got) == len(order)
    for h in got:
        assert float(h["_additional"]["score"]) == pytest.approx(expected[index_of(h)], rel=1e-5, abs=1e-6)
    scores = [float(h["_additional"]["score"]) for h in got]
    assert scores == sorted(scores, reverse=True)
    assert scores == pytest.approx([np.float32(expected[i]) for i in order], rel=1e-5)


@pytest.fixture
def docs(client):
    rows, vectors = corpus()
    create_class(client, "Doc", [("title", "text"), ("body", "text"), ("rank", "int")])
    import_objects(client, "Doc", rows, vectors)
    return rows, vectors


def test_bm25_matches_reference(client, docs):
    rows, _ = docs
    for query, props in [("quick fox", None), ("the river of stone", None), ("apple apple banana", ["title"]),
                         ("blue night cherry", ["title^3", "body"])]:
        result = (client.query.get("Doc", ["title", "body"]).with_bm25(query, properties=props)
                  .with_additional(["id", "score", "explainScore"]).do())
        assert "errors" not in result, result
        expected = bm25_reference(rows, query, props or ["title", "body"])
        assert expected, query
        assert_scores(hits(result, "Doc"), expected)
        for h in hits(result, "Doc"):
            assert h["_additional"]["explainScore"].startswith(", BM25F_")

    # limit, offset and where go through the same ranking; filtered-out docs still count in idf.
    result = (client.query.get("Doc", ["rank"]).with_bm25("quick fox").with_limit(5).with_offset(2)
              .with_where({"path": ["rank"], "operator": "LessThan", "valueInt": 40})
              .with_additional(["id", "score"]).do())
    expected = bm25_reference(rows, "quick fox", ["title", "body"], allowed=set(range(40)))
    got = hits(result, "Doc")
    page = rank_ids(expected)[2:7]
    assert [float(h["_additional"]["score"]) for h in got] == pytest.approx([expected[i] for i in page], rel=1e-5)
    for h in got:
        assert float(h["_additional"]["score"]) == pytest.approx(expected[index_of(h)], rel=1e-5)
    assert all(h["rank"] < 40 for h in got)


def test_hybrid_matches_reciprocal_rank_fusion(client, docs):
    rows, vectors = docs
    q = np.random.default_rng(11).normal(size=6).astype(np.float32)
    dist = brute_distances("cosine", q, vectors)
    by_distance = list(np.argsort(dist, kind="stable"))
    for alpha in [None, 0.0, 0.5, 1.0]:
        a = 0.75 if alpha is None else alpha
        keyword = rank_ids(bm25_reference(rows, "river stone", ["title", "body"]))
        fused = {}
        if a < 1:
            for r, i in enumerate(keyword):
                fused[i] = fused.get(i, 0.0) + (1 - a) / (r + 61)
        if a > 0:
            for r, i in enumerate(by_distance):
                fused[i] = fused.get(i, 0.0) + a / (r + 61)
        result = (client.query.get("Doc", ["title"])
                  .with_hybrid("river stone", alpha=alpha, vector=[float(x) for x in q])
                  .with_additional(["id", "score", "explainScore"]).do())
        assert "errors" not in result, result
        got = hits(result, "Doc")
        assert len(got) == len(fused)
        for h in got:
            assert float(h["_additional"]["score"]) == pytest.approx(fused[index_of(h)], rel=1e-5)
            explain = h["_additional"]["explainScore"]
            assert explain.startswith("(bm25)" if index_of(h) in keyword and a < 1 else "(vector) [")
            assert f"(hybrid) Document {uid(index_of(h))} contributed" in explain
        scores = [float(h["_additional"]["score"]) for h in got]
        assert scores == sorted(scores, reverse=True)

    result = (client.query.get("Doc", ["title"]).with_hybrid("river", alpha=0.5, vector=[float(x) for x in q])
              .with_limit(3).with_additional(["score"]).do())
    assert len(hits(result, "Doc")) == 3

    # The query vector is printed into explainScore as Go's %v prints it; a component past Int64 once
    # stopped the server there.
    result = (client.query.get("Doc", ["title"]).with_hybrid("river", alpha=1.0, vector=[1e19, 2.5e-7] + [1e6] * 4)
              .with_limit(1).with_additional(["explainScore"]).do())
    assert "errors" not in result, result
    assert hits(result, "Doc")[0]["_additional"]["explainScore"].startswith("(vector) [1e+19 2.5e-07 1e+06 1e+06 1e+06 1e+06]")


def test_keyword_errors(client, docs):
    result = client.query.get("Doc", ["title"]).with_hybrid("river", alpha=1.5, vector=[1.0] * 6).do()
    assert result["errors"][0]["message"] == "hybrid: alpha must be between 0 and 1 (inclusive), got 1.5"
    result = client.query.get("Doc", ["title"]).with_hybrid("river", alpha=-0.2, vector=[1.0] * 6).do()
    assert "alpha must be between 0 and 1" in result["errors"][0]["message"]
    result = client.query.get("Doc", ["title"]).with_bm25("river").with_near_vector({"vector": [1.0] * 6}).do()
    assert result["errors"][0]["message"] == \
        "conflict: both near<Media> and keyword-based (bm25) arguments present, choose one"
    result = client.query.get("Doc", ["title"]).with_bm25("river", properties=["rank"]).do()
    assert "cannot handle datatype 'int' of property 'rank'" in result["errors"][0]["message"]
    assert result["data"]["Get"]["Doc"] is None


def test_keyword_search_survives_restart(iris_factory):
    server = iris_factory()
    client = make_client(server.url)
    rows, vectors = corpus(n=30, seed=5)
    create_class(client, "Doc", [("title", "text"), ("body", "text"), ("rank", "int")])
    import_objects(client, "Doc", rows, vectors)
    client.data_object.delete(uid(0), class_name="Doc")
    client.data_object.replace({"title": "stone stone river", "body": "nothing", "rank": 1}, "Doc", uid(1))
    rows = [None] + [{"title": "stone stone river", "body": "nothing", "rank": 1}] + rows[2:]
    live = [r for r in rows if r is not None]
    index = [i for i, r in enumerate(rows) if r is not None]

    def check(c):
        result = c.query.get("Doc", ["title"]).with_bm25("stone river").with_additional(["id", "score"]).do()
        got = hits(result, "Doc")
        expected = {index[i]: s for i, s in bm25_reference(live, "stone river", ["title", "body"]).items()}
        assert_scores(got, expected)

    check(client)
    server.stop()
    server.start()
    check(make_client(server.url))
