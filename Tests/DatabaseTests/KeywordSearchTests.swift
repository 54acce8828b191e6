import Foundation
import XCTest
@testable import Database

/// bm25 and hybrid against a reference computed here, straight from the BM25F formula over the corpus
/// as the test holds it (no store statistics).
final class KeywordSearchTests: XCTestCase {
    /// Documents: title (text, word), body (text, word), tags (text[], word), code (text, field), n (int).
    static let corpus: [[String: JSONValue]] = [
        ["title": "The quick brown fox", "body": "A fox jumps over the lazy dog. The fox is quick!", "tags": ["animal", "fox"], "code": "FX-1", "n": 1],
        ["title": "Lazy dogs", "body": "Dogs sleep all day; a lazy dog sleeps more.", "tags": ["animal", "dog"], "code": "DG-2", "n": 2],
        ["title": "Brown bread", "body": "Bake brown bread with flour and water.", "tags": ["food"], "code": "BR-3", "n": 3],
        ["title": "Quick recipes", "body": "Quick and easy: bread, soup, salad. Quick quick quick.", "tags": ["food", "quick"], "code": "QR-4", "n": 4],
        ["title": "Foxes and hounds", "body": "The hound chased the fox across the brown field.", "tags": ["animal"], "code": "FX-1", "n": 5],
        ["title": "Nothing here", "body": "Completely unrelated words only.", "tags": [], "code": "NO-6", "n": 6],
        ["title": "Dog days of summer", "body": "Hot summer days make every dog lazy", "code": "DG-7", "n": 7],
    ]

    static let textProps = ["title", "body", "tags", "code"]

    func makeDB(_ extra: (inout ClassDefinition) -> Void = { _ in }) async throws -> TempDatabase {
        let t = try TempDatabase()
        var cls = ClassDefinition(
            className: "Doc",
            properties: [
                PropertyDefinition(name: "title", dataType: ["text"]),
                PropertyDefinition(name: "body", dataType: ["text"]),
                PropertyDefinition(name: "tags", dataType: ["text[]"]),
                PropertyDefinition(name: "code", dataType: ["text"], tokenization: "field"),
                PropertyDefinition(name: "n", dataType: ["int"]),
            ],
            vectorIndexConfig: ["distance": "cosine"])
        extra(&cls)
        _ = try await t.db.createClass(cls)
        let inputs = Self.corpus.enumerated().map { i, p in
            ObjectInput(className: "Doc", id: docUUID(i), properties: p, vector: Self.vector(i))
        }
        for r in try await t.db.batchObjects(inputs) { XCTAssertNil(r.error) }
        return t
    }

    static func vector(_ i: Int) -> [Float] { [Float(i % 3) + 0.5, Float(i % 2) + 0.25, Float(i) * 0.1 + 0.1] }

    // MARK: Reference BM25F

    /// Tokens as `word` / `field` tokenize (the reference's own implementation).
    static func tokens(_ s: String, field: Bool) -> [String] {
        if field {
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
            return t.isEmpty ? [] : [t]
        }
        var out: [String] = [], cur = ""
        for ch in s.lowercased() {
            if ch.isLetter || ch.isNumber { cur.append(ch) } else if !cur.isEmpty { out.append(cur); cur = "" }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    static func propertyTokens(_ doc: [String: JSONValue], _ prop: String) -> [String]? {
        guard let v = doc[prop] else { return nil }
        let strings = v.arrayValue?.compactMap(\.stringValue) ?? v.stringValue.map { [$0] } ?? []
        let toks = strings.flatMap { tokens($0, field: prop == "code") }
        return toks.isEmpty ? nil : toks
    }

    /// Scores of every matching doc (index → score) for `query` over `props` ("name^boost"), restricted to `allowed`.
    static func reference(_ docs: [Int: [String: JSONValue]], query: String, props: [String], allowed: Set<Int>? = nil,
                          k1: Double = 1.2, b: Double = 0.75, stopwords: Set<String> = StopwordDetector.english) -> [Int: Double] {
        let parsed = props.map { p -> (String, Double) in
            let parts = p.split(separator: "^")
            return (String(parts[0]), parts.count > 1 ? Double(Int(parts[1]) ?? 0) : 1)
        }
        let N = Double(docs.count)
        var avg = 0.0
        for (p, _) in parsed {
            let lengths = docs.values.compactMap { propertyTokens($0, p)?.count }
            avg += lengths.isEmpty ? 0 : Double(lengths.reduce(0, +)) / Double(lengths.count)
        }
        avg /= Double(parsed.count)
        var scores: [Int: Double] = [:]
        for field in [false, true] {
            let group = parsed.filter { ($0.0 == "code") == field }
            if group.isEmpty { continue }
            var counts: [String: Int] = [:]
            for t in tokens(query, field: field) where field || !stopwords.contains(t) { counts[t, default: 0] += 1 }
            for (term, repeats) in counts {
                var merged: [Int: (f: Double, l: Double)] = [:]
                for (p, boost) in group {
                    for (i, doc) in docs {
                        guard let toks = propertyTokens(doc, p) else { continue }
                        let tf = toks.filter { $0 == term }.count
                        if tf == 0 { continue }
                        var m = merged[i] ?? (0, 0)
                        m.f += Double(tf) * boost
                        m.l += Double(toks.count)
                        merged[i] = m
                    }
                }
                let n = Double(merged.count)
                let idf = log(1 + (N - n + 0.5) / (n + 0.5)) * Double(repeats)
                for (i, m) in merged where allowed?.contains(i) ?? true {
                    scores[i, default: 0] += idf * m.f / (m.f + k1 * (1 - b + b * m.l / avg))
                }
            }
        }
        return scores
    }

    static func ranked(_ scores: [Int: Double]) -> [Int] {
        scores.sorted { Float($0.value) != Float($1.value) ? Float($0.value) > Float($1.value) : $0.key < $1.key }.map(\.key)
    }

    func assertMatches(_ hits: [GetHit], _ expected: [Int: Double], limit: Int = 100,
                       file: StaticString = #filePath, line: UInt = #line) {
        let order = Self.ranked(expected).prefix(limit)
        XCTAssertEqual(hits.map(\.object.id), order.map(docUUID), file: file, line: line)
        for (hit, i) in zip(hits, order) {
            XCTAssertEqual(Double(hit.score ?? -1), expected[i]!, accuracy: 1e-5, "doc \(i)", file: file, line: line)
        }
    }

    var docs: [Int: [String: JSONValue]] {
        Dictionary(uniqueKeysWithValues: Self.corpus.enumerated().map { ($0.offset, $0.element) })
    }

    // MARK: bm25

    func testBM25MatchesReferenceOverAllSearchableProperties() async throws {
        let t = try await makeDB()
        for query in ["quick fox", "lazy dog", "brown", "the quick quick", "FX-1", "summer days dog", "zebra"] {
            let hits = try await t.db.getQuery(GetRequest(className: "Doc", bm25: BM25Parameter(query: query)))
            let expected = Self.reference(docs, query: query, props: Self.textProps)
            XCTAssertFalse(query != "zebra" && expected.isEmpty, "the query \(query) should match something")
            assertMatches(hits, expected)
        }
    }

    func testBM25PropertiesBoostsLimitOffsetAndExplanation() async throws {
        let t = try await makeDB()
        let props = ["title", "body^3"]
        let expected = Self.reference(docs, query: "quick brown fox", props: props)
        let all = try await t.db.getQuery(GetRequest(className: "Doc", bm25: BM25Parameter(query: "quick brown fox", properties: props)))
        assertMatches(all, expected)
        XCTAssertNotEqual(Self.ranked(expected), Self.ranked(Self.reference(docs, query: "quick brown fox", props: ["title", "body"])),
                          "the boost must change the ranking for this test to mean something")
        let page = try await t.db.getQuery(GetRequest(className: "Doc", limit: 2, offset: 1,
                                                      bm25: BM25Parameter(query: "quick brown fox", properties: props)))
        XCTAssertEqual(page.map(\.object.id), Array(all.dropFirst(1).prefix(2)).map(\.object.id))

        // Doc 0: "fox" 1× in title + 2× in body (boost 3) → frequency 7, length 4 + 11; "quick" 1 + 1×3 → 4.
        let doc0 = all.first { $0.object.id == docUUID(0) }!
        XCTAssertEqual(doc0.explainScore!, ", BM25F_quick_frequency:4, BM25F_quick_propLength:15, BM25F_brown_frequency:1, "
                       + "BM25F_brown_propLength:4, BM25F_fox_frequency:7, BM25F_fox_propLength:15")
    }

    func testBM25WithWhereFilterKeepsWholeClassIdf() async throws {
        let t = try await makeDB()
        let filter = try WhereFilter.from(json: json(#"{"path": ["n"], "operator": "GreaterThan", "valueInt": 1}"#))
        let hits = try await t.db.getQuery(GetRequest(className: "Doc", filter: filter, bm25: BM25Parameter(query: "fox dog lazy")))
        let allowed = Set(docs.filter { $0.value["n"]!.intValue! > 1 }.map(\.key))
        assertMatches(hits, Self.reference(docs, query: "fox dog lazy", props: Self.textProps, allowed: allowed))
        XCTAssertFalse(hits.contains { $0.object.id == docUUID(0) })
    }

    func testStatisticsFollowUpdatesDeletesAndConfig() async throws {
        let t = try await makeDB {
            $0.invertedIndexConfig = ["bm25": ["k1": 0.9, "b": 0.4], "stopwords": ["preset": "none", "additions": ["dog"]]]
        }
        var current = docs
        current[1] = ["title": "Fox den", "body": "fox fox fox", "code": "FX-9", "n": 2]
        _ = try await t.db.replaceObject(className: "Doc", id: docUUID(1),
                                         ObjectInput(className: "Doc", id: docUUID(1), properties: current[1]!))
        try await t.db.deleteObject(className: "Doc", id: docUUID(4))
        current[4] = nil
        let query = "the fox dog"
        let hits = try await t.db.getQuery(GetRequest(className: "Doc", bm25: BM25Parameter(query: query)))
        assertMatches(hits, Self.reference(current, query: query, props: Self.textProps, k1: 0.9, b: 0.4, stopwords: ["dog"]))

        // And after a restart.
        try t.reopen()
        let again = try await t.db.getQuery(GetRequest(className: "Doc", bm25: BM25Parameter(query: query)))
        XCTAssertEqual(again, hits)
    }

    /// A data folder written before term statistics: `tok_<id>` without `tf`, no `tlen_<id>`.
    func testDataFolderWithoutTermStatisticsIsUpgradedOnOpen() async throws {
        let t = try await makeDB()
        let before = try await t.db.getQuery(GetRequest(className: "Doc", bm25: BM25Parameter(query: "quick lazy fox")))
        let classID = t.db.state("Doc")!.id
        try await t.db.store.pool.write { db in
            let tok = "tok_\(classID)"
            try db.execute(sql: "DROP TABLE tlen_\(classID)")
            try db.execute(sql: "CREATE TABLE old_tok AS SELECT doc_id, prop, token FROM \(tok)")
            try db.execute(sql: "DROP TABLE \(tok)")
            try db.execute(sql: """
                CREATE TABLE \(tok) (doc_id INTEGER NOT NULL, prop INTEGER NOT NULL, token TEXT NOT NULL,
                                     PRIMARY KEY (prop, token, doc_id)) WITHOUT ROWID;
                CREATE INDEX \(tok)_doc ON \(tok)(doc_id);
                INSERT INTO \(tok) SELECT * FROM old_tok;
                DROP TABLE old_tok;
                """)
        }
        try t.reopen()
        let after = try await t.db.getQuery(GetRequest(className: "Doc", bm25: BM25Parameter(query: "quick lazy fox")))
        XCTAssertEqual(after, before)
        // Filters on the upgraded token table still work.
        let filter = try WhereFilter.from(json: json(#"{"path": ["title"], "operator": "Equal", "valueText": "lazy"}"#))
        await XCTAssertEqualAsync(try await t.db.findObjects(className: "Doc", filter: filter, limit: 10).map(\.id), [docUUID(1)])
    }

    func testBM25Errors() async throws {
        let t = try await makeDB { $0.properties!.append(PropertyDefinition(name: "hidden", dataType: ["text"], indexSearchable: false)) }
        let prefix = "explorer: get class: vector search: "
        let cases: [(GetRequest, String)] = [
            (GetRequest(className: "Doc", near: NearParameters(nearVector: NearVectorParameter(vector: [1, 2, 3])), bm25: BM25Parameter(query: "fox")),
             "conflict: both near<Media> and keyword-based (bm25) arguments present, choose one"),
            (GetRequest(className: "Doc", bm25: BM25Parameter(query: "fox"), hybrid: HybridParameter(query: "fox")),
             "conflict: both bm25 and hybrid arguments present, choose one"),
            (GetRequest(className: "Doc", bm25: BM25Parameter(query: "")), "keyword search (bm25) must have query set"),
            (GetRequest(className: "Doc", bm25: BM25Parameter(query: "fox", properties: ["nope"])),
             prefix + "property 'nope' not found in class 'Doc'"),
            (GetRequest(className: "Doc", bm25: BM25Parameter(query: "fox", properties: ["n"])),
             prefix + "cannot handle datatype 'int' of property 'n': bm25 searches text and text[] properties"),
            (GetRequest(className: "Doc", bm25: BM25Parameter(query: "fox", properties: ["hidden"])),
             prefix + "property 'hidden' is not searchable: set indexSearchable (or indexInverted) to true to use it in bm25"),
            (GetRequest(className: "Doc", after: docUUID(1), bm25: BM25Parameter(query: "fox")),
             "invalid cursor: 'after' parameter cannot be combined with 'bm25' or 'hybrid'"),
        ]
        for (request, message) in cases {
            await assertAsyncThrows(.unprocessable, message) { _ = try await t.db.getQuery(request) }
        }
    }

    // MARK: hybrid

    /// Reference fusion: bm25 ranking (weight 1 − α) and brute-force cosine ranking (weight α), 1/(rank + 61).
    func referenceHybrid(query: String, vector: [Float], alpha: Double) -> [(Int, Double)] {
        func cosineDistance(_ a: [Float], _ b: [Float]) -> Double {
            let dot = zip(a, b).map { Double($0) * Double($1) }.reduce(0, +)
            let na = sqrt(a.map { Double($0) * Double($0) }.reduce(0, +)), nb = sqrt(b.map { Double($0) * Double($0) }.reduce(0, +))
            return 1 - dot / (na * nb)
        }
        var fused: [Int: Double] = [:]
        if alpha < 1 {
            for (rank, i) in Self.ranked(Self.reference(docs, query: query, props: Self.textProps)).enumerated() {
                fused[i, default: 0] += (1 - alpha) / Double(rank + 61)
            }
        }
        if alpha > 0 {
            let byDistance = docs.keys.sorted { cosineDistance(Self.vector($0), vector) < cosineDistance(Self.vector($1), vector) }
            for (rank, i) in byDistance.enumerated() { fused[i, default: 0] += alpha / Double(rank + 61) }
        }
        return fused.sorted { $0.value > $1.value }.map { ($0.key, $0.value) }
    }

    func testHybridFusesRanksWithAlphaWeights() async throws {
        let t = try await makeDB()
        let vector: [Float] = [0.2, 1.0, 0.35]
        for alpha in [0.0, 0.3, 0.75, 1.0] {
            let hits = try await t.db.getQuery(GetRequest(
                className: "Doc", hybrid: HybridParameter(query: "lazy dog", alpha: alpha, vector: vector)))
            let expected = referenceHybrid(query: "lazy dog", vector: vector, alpha: alpha)
            XCTAssertEqual(hits.count, expected.count, "alpha \(alpha)")
            for (hit, (_, score)) in zip(hits, expected) {
                XCTAssertEqual(Double(hit.score!), score, accuracy: 1e-6, "alpha \(alpha)")
            }
            // Equal fused scores may come in either order; the sets per score must agree.
            XCTAssertEqual(Set(hits.map(\.object.id)), Set(expected.map { docUUID($0.0) }), "alpha \(alpha)")
            let distinct = expected.enumerated().filter { i, e in
                expected.allSatisfy { $0.0 == e.0 || abs($0.1 - e.1) > 1e-9 }
            }
            for (i, e) in distinct { XCTAssertEqual(hits[i].object.id, docUUID(e.0), "alpha \(alpha) rank \(i)") }
        }
        // Default alpha 0.75, explanations of both sets.
        let hits = try await t.db.getQuery(GetRequest(className: "Doc", limit: 3, hybrid: HybridParameter(query: "lazy dog", vector: vector)))
        let expected = referenceHybrid(query: "lazy dog", vector: vector, alpha: 0.75)
        XCTAssertEqual(hits.map(\.score!).map(Double.init), expected.prefix(3).map(\.1).map { Double(Float($0)) })
        let both = hits.first { $0.explainScore!.hasPrefix("(bm25)") }!
        let lines = both.explainScore!.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, both.explainScore!)
        XCTAssertTrue(lines[1].hasPrefix("(hybrid) Document \(both.object.id) contributed "), both.explainScore!)

        // A query vector past Int64 is printed in the explanation, not trapped on (it stopped the process).
        let far = try await t.db.getQuery(GetRequest(className: "Doc", limit: 1,
                                                     hybrid: HybridParameter(query: "lazy dog", alpha: 1, vector: [1e19, 0, 0])))
        XCTAssertTrue(far[0].explainScore!.hasPrefix("(vector) [1e+19 0 0]"), far[0].explainScore!)
    }

    func testHybridWithFilterAndPaging() async throws {
        let t = try await makeDB()
        let vector: [Float] = [1, 0.5, 0.2]
        let filter = try WhereFilter.from(json: json(#"{"path": ["n"], "operator": "LessThanEqual", "valueInt": 4}"#))
        let all = try await t.db.getQuery(GetRequest(className: "Doc", filter: filter,
                                                     hybrid: HybridParameter(query: "lazy fox", alpha: 0.5, vector: vector)))
        // Documents with n <= 4 are 0...3: every one is found by the vector half, none outside the filter.
        XCTAssertEqual(Set(all.map(\.object.id)), Set((0...3).map(docUUID)))
        let page = try await t.db.getQuery(GetRequest(className: "Doc", filter: filter, limit: 2, offset: 1,
                                                      hybrid: HybridParameter(query: "lazy fox", alpha: 0.5, vector: vector)))
        XCTAssertEqual(page.map(\.object.id), all.dropFirst().prefix(2).map(\.object.id))
        XCTAssertEqual(page.map(\.score), all.dropFirst().prefix(2).map(\.score))
    }

    func testHybridErrorsAndVectorSources() async throws {
        let t = try await makeDB()
        for alpha in [-0.1, 1.5] {
            await assertAsyncThrows(.unprocessable, "hybrid: alpha must be between 0 and 1 (inclusive), got \(alpha)") {
                _ = try await t.db.getQuery(GetRequest(className: "Doc", hybrid: HybridParameter(query: "fox", alpha: alpha, vector: [1, 1, 1])))
            }
        }
        await assertAsyncThrows(.unprocessable, "conflict: both near<Media> and hybrid arguments present, choose one") {
            _ = try await t.db.getQuery(GetRequest(className: "Doc", near: NearParameters(nearObject: NearObjectParameter(id: docUUID(1))),
                                                   hybrid: HybridParameter(query: "fox")))
        }
        // No vectorizer and no vector: the vector half cannot run.
        await assertAsyncThrows(.unprocessable,
                                "explorer: get class: hybrid: class 'Doc' has no vectorizer module that vectorizes text (vectorizer: none): give hybrid a vector, or set alpha: 0") {
            _ = try await t.db.getQuery(GetRequest(className: "Doc", hybrid: HybridParameter(query: "fox")))
        }
        // alpha 0 is keyword only: same order as bm25, scores 1/(rank + 61).
        let keywordOnly = try await t.db.getQuery(GetRequest(className: "Doc", hybrid: HybridParameter(query: "fox", alpha: 0)))
        let bm25 = try await t.db.getQuery(GetRequest(className: "Doc", bm25: BM25Parameter(query: "fox")))
        XCTAssertEqual(keywordOnly.map(\.object.id), bm25.map(\.object.id))
        XCTAssertEqual(keywordOnly.first?.score, Float(1.0 / 61))
        XCTAssertEqual(keywordOnly.first?.explainScore, "(bm25)\n(hybrid) Document \(bm25[0].object.id) contributed \(1.0 / 61) to the score")
    }

    func testFusionAccumulatesThroughFloat32AndBreaksTiesBySecondaryValue() {
        func object(_ id: String) -> WeaviateObject { WeaviateObject(className: "C", id: id, properties: [:]) }
        let keyword = [FusionCandidate(id: "a", object: object("a"), explanation: "(bm25)", secondary: 2),
                       FusionCandidate(id: "b", object: object("b"), explanation: "(bm25)", secondary: 1)]
        let vector = [FusionCandidate(id: "c", object: object("c"), explanation: "(vector) [1 0]  ", secondary: 0.8),
                      FusionCandidate(id: "b", object: object("b"), explanation: "(vector) [1 0]  ", secondary: 0.9)]
        let fused = reciprocalRankFusion(weights: [0.5, 0.5], sets: [keyword, vector])
        XCTAssertEqual(fused.map(\.object.id), ["b", "a", "c"])
        XCTAssertEqual(fused[0].score, Float(Double(Float(0.5 / 62)) + 0.5 / 62))
        XCTAssertEqual(fused[0].explanation,
                       "(bm25)\n(hybrid) Document b contributed \(0.5 / 62) to the score\n(hybrid) Document b contributed \(0.5 / 62) to the score")
        XCTAssertEqual(fused[2].explanation, "(vector) [1 0]  \n(hybrid) Document c contributed \(0.5 / 61) to the score")
        // a and c tie on score; a's secondary value (its bm25 score) is higher.
        XCTAssertEqual(fused[1].score, fused[2].score)
        XCTAssertEqual(goVectorString([1, 0.5, -2]), "[1 0.5 -2]")
        XCTAssertEqual(goVectorString((0..<12).map(Float.init)), "[0 1 2 3 4 5 6 7 8 9]...")
    }
}

/// Deterministic ids of corpus documents.
func docUUID(_ i: Int) -> String {
    let hex = String(i, radix: 16)
    return "10000000-0000-4000-8000-" + String(repeating: "0", count: 12 - hex.count) + hex
}
