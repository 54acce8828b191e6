// BM25F keyword search as Weaviate 1.19 scores it (`adapters/repos/db/inverted/bm25_searcher.go`):
// - the query is tokenized once per tokenization among the searched properties (`word` also drops
//   stopwords); a term repeated in the query multiplies its idf by its count;
// - per term, a document's frequency is Σ over the searched properties of (tf × boost) and its length
//   the Σ of those properties' lengths (only properties containing the term add in);
// - idf = ln(1 + (N − n + 0.5) / (n + 0.5)), N = objects in the class, n = documents containing the term
//   (filtered-out documents included, as Weaviate counts them back);
// - score = Σ_terms idf × f / (f + k1 × (1 − b + b × len / avgLen)), avgLen = the mean over the searched
//   properties of each property's mean length.
import Foundation
import JSON
import Storage
import VectorIndex

/// One document found by a bm25 search.
public struct KeywordHit: Sendable, Equatable {
    /// A query term matched in the document with its merged frequency and property length.
    public struct Term: Sendable, Equatable {
        public var term: String
        public var frequency: Double
        public var propertyLength: Double
    }

    public var docID: UInt64
    public var score: Float
    /// In query order, for `explainScore`.
    public var terms: [Term]

    /// `, BM25F_<term>_frequency:<f>, BM25F_<term>_propLength:<l>` per matched term.
    public var explanation: String {
        terms.map { ", BM25F_\($0.term)_frequency:\(GoNumbers.float64($0.frequency)), BM25F_\($0.term)_propLength:\(GoNumbers.float64($0.propertyLength))" }
            .joined()
    }
}

/// A searched property: its column and its integer boost.
struct KeywordProperty {
    let name: String
    let column: PropertyColumn
    let boost: Double
}

extension Database {
    /// BM25F over `properties` (nil or empty: every searchable text property) of `className`; the best
    /// `limit` documents of `allowList` (nil: all), highest score first, ties by doc id.
    public func keywordSearch(className: String, query: String, properties: [String]?, allowList: AllowList? = nil,
                              limit: Int, tenant: String? = nil) async throws -> [KeywordHit] {
        let st = try requireShard(className, tenant: tenant)
        let def = st.definition
        let searched = try keywordProperties(properties, of: st)
        guard !searched.isEmpty, limit > 0 else { return [] }
        let k1 = def.invertedIndexConfig?["bm25"]?["k1"]?.doubleValue ?? 1.2
        let b = def.invertedIndexConfig?["bm25"]?["b"]?.doubleValue ?? 0.75
        let stopwords = try StopwordDetector(config: def.invertedIndexConfig?["stopwords"])

        // Query terms per tokenization, each with its repeat count.
        var order: [String] = []
        var groups: [String: [KeywordProperty]] = [:]
        for p in searched {
            let tok = p.column.tokenization ?? "word"
            if groups[tok] == nil { order.append(tok) }
            groups[tok, default: []].append(p)
        }

        return try await read { [order, groups] rows in
            let n = Double(try rows.count(st, where: nil))
            var meanSum = 0.0
            for p in searched {
                let totals = try rows.propertyLengthTotals(st, prop: p.column.ordinal)
                meanSum += totals.count > 0 ? Double(totals.sum) / Double(totals.count) : 0
            }
            let averageLength = meanSum / Double(searched.count)

            var scores: [UInt64: Double] = [:]
            var explained: [UInt64: [KeywordHit.Term]] = [:]
            for tok in order {
                for (term, repeats) in self.queryTerms(query, tokenization: tok, stopwords: stopwords) {
                    var merged: [UInt64: (frequency: Double, length: Double)] = [:]
                    for p in groups[tok]! {
                        for posting in try rows.postings(st, prop: p.column.ordinal, token: term) {
                            var m = merged[posting.docID] ?? (0, 0)
                            m.frequency += Double(posting.frequency) * p.boost
                            m.length += Double(posting.propertyLength)
                            merged[posting.docID] = m
                        }
                    }
                    guard !merged.isEmpty else { continue }
                    let containing = Double(merged.count)
                    let idf = log(1 + (n - containing + 0.5) / (containing + 0.5)) * Double(repeats)
                    for (doc, m) in merged where allowList?.contains(doc) ?? true {
                        let tf = m.frequency / (m.frequency + k1 * (1 - b + b * m.length / averageLength))
                        scores[doc, default: 0] += tf * idf
                        explained[doc, default: []].append(.init(term: term, frequency: m.frequency, propertyLength: m.length))
                    }
                }
            }
            let ranked = scores.map { (doc: $0.key, score: Float($0.value)) }
                .sorted { $0.score != $1.score ? $0.score > $1.score : $0.doc < $1.doc }
            return ranked.prefix(limit).map { KeywordHit(docID: $0.doc, score: $0.score, terms: explained[$0.doc] ?? []) }
        }
    }

    /// The distinct query terms of `tokenization` in first-seen order with their counts (`word` drops stopwords).
    func queryTerms(_ query: String, tokenization: String, stopwords: StopwordDetector) -> [(String, Int)] {
        var order: [String] = []
        var counts: [String: Int] = [:]
        for t in Tokenizer.tokens(query, tokenization: tokenization) {
            if tokenization == "word" && stopwords.isStopword(t) { continue }
            if counts[t] == nil { order.append(t) }
            counts[t, default: 0] += 1
        }
        return order.map { ($0, counts[$0]!) }
    }

    /// Resolves `name^boost` entries (Weaviate parses the boost as an integer; anything else counts as 0).
    func keywordProperties(_ names: [String]?, of st: ClassState) throws -> [KeywordProperty] {
        let columns = st.columns
        guard let names, !names.isEmpty else {
            return (st.definition.properties ?? []).compactMap { p in
                columns[p.name].flatMap { $0.searchable ? KeywordProperty(name: p.name, column: $0, boost: 1) : nil }
            }
        }
        return try names.map { entry in
            let parts = entry.split(separator: "^", omittingEmptySubsequences: false)
            let name = String(parts[0])
            let boost = parts.count > 1 ? Double(Int(parts[1]) ?? 0) : 1
            guard let column = columns[name] ?? columns[Database.normalizePropertyName(name)] else {
                throw DatabaseError.unprocessable("property '\(name)' not found in class '\(st.name)'")
            }
            guard column.tokenization != nil else {
                throw DatabaseError.unprocessable(
                    "cannot handle datatype '\(column.type.name)' of property '\(name)': bm25 searches text and text[] properties")
            }
            guard column.searchable else {
                throw DatabaseError.unprocessable(
                    "property '\(name)' is not searchable: set indexSearchable (or indexInverted) to true to use it in bm25")
            }
            return KeywordProperty(name: name, column: column, boost: boost)
        }
    }
}
