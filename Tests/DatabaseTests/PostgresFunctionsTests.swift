import Foundation
import PostgresStore
import XCTest
@testable import Database

/// The PostgreSQL functions the filter dialect calls (created by `migrate()`) give the answers of the
/// Swift functions SQLite calls (`Tokenizer`, `ValueFormats.rfc3339Nanos`, `geoDistanceMetres`), on a
/// real PostgreSQL 18.
final class PostgresFunctionsTests: XCTestCase {
    var pg: TestPostgres!

    override func setUp() async throws { pg = try await TestPostgres() }
    override func tearDown() async throws { await pg?.drop(); pg = nil }

    static let texts = ["Red apple", "  Green  apple pie ", "Straße 42x, ÉCOLE!", "a.b*c?d", "tab\tand\nnewline",
                        "", "   ", "100% [sure] (maybe) ^$|\\ end", "Ünïcödé wörds", "MiXeD CaSe"]
    static let tokenizations = ["word", "lowercase", "whitespace", "field"]
    static let patterns = ["app*", "?ed", "*", "a.b*", "a.b?c?d", "*sure*", "100%*", "[sure]", "ü*", "*\\ end", "mixed*", "MiXeD*", ""]

    func value(_ sql: String, _ args: [PGValue]) async throws -> String? {
        try await pg.store.withBlockingConnection { c in try c.query(sql, args).first!.decode(String?.self) }
    }

    func testTokenizedEqualAndLikeMatchTheTokenizer() async throws {
        for tok in Self.tokenizations {
            for v in Self.texts {
                for q in Self.texts + Self.patterns {
                    let args: [PGValue] = [.text(v), .text(tok), .text(q)]
                    let got = [try await value("SELECT iris_text_eq($1, $2, $3)::text", args),
                               try await value("SELECT iris_text_like($1, $2, $3)::text", args),
                               try await value("SELECT iris_like($1, $3)::text", args)]
                    XCTAssertEqual(got[0], "\(Tokenizer.textEqual(v, q, tokenization: tok))", "text_eq \(tok) \(v.debugDescription) \(q.debugDescription)")
                    XCTAssertEqual(got[1], "\(Tokenizer.textLike(v, q, tokenization: tok))", "text_like \(tok) \(v.debugDescription) \(q.debugDescription)")
                    XCTAssertEqual(got[2], "\(Tokenizer.wildcardMatch(v, q))", "like \(v.debugDescription) \(q.debugDescription)")
                }
            }
        }
    }

    func testDatesMatchValueFormats() async throws {
        let dates = ["2021-01-01T12:00:00Z", "2021-01-01T12:00:00.5Z", "2021-01-01T12:00:00.123456789123+02:30",
                     "2021-01-01 12:00:00-05:00", "2020-02-29T00:00:00Z", "2021-02-29T00:00:00Z", "1969-12-31T23:59:59.999Z",
                     "2021-13-01T00:00:00Z", "2021-01-01T24:00:00Z", "2021-01-01T12:00:60Z", "2021-01-01T12:00:00.Z",
                     "2021-01-01T12:00:00", "2021-01-01T12:00:00+24:00", "2300-01-01T00:00:00Z", "1700-03-01T00:00:00Z",
                     "0000-01-01T00:00:00Z", "2021-1-01T00:00:00Z", "not a date", "2021-01-01T12:00:00z"]
        for d in dates {
            let got = try await value("SELECT iris_date_nanos($1)::text", [.text(d)])
            XCTAssertEqual(got, ValueFormats.rfc3339Nanos(d).map { "\($0)" }, d)
        }
    }

    func testGeoDistanceMatches() async throws {
        let points: [(Double, Double, Double, Double)] = [(52.52, 13.405, 48.8566, 2.3522), (0, 0, 0, 0), (-33.86, 151.2, 40.71, -74.0),
                                                          (89.9, 0, -89.9, 180), (10, 179.9, 10, -179.9)]
        for p in points {
            let got = try await pg.store.withBlockingConnection { c in
                try c.query("SELECT iris_geo_distance($1, $2, $3, $4)", [.real(p.0), .real(p.1), .real(p.2), .real(p.3)])
                    .first!.decode(Double.self)
            }
            XCTAssertEqual(got, geoDistanceMetres(p.0, p.1, p.2, p.3), accuracy: 1e-6, "\(p)")
        }
    }
}
