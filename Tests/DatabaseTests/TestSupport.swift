import Foundation
import XCTest
@testable import Database

/// A database in a fresh temporary directory, removed when the test ends.
final class TempDatabase {
    let path: String
    var db: Database!

    init(config: (inout DatabaseConfig) -> Void = { _ in }, modules: ModuleRegistry = ModuleRegistry()) throws {
        path = NSTemporaryDirectory() + "iris-db-test-" + UUID().uuidString
        var c = DatabaseConfig(dataPath: path, snapshotIntervalSeconds: nil)
        config(&c)
        db = try Database(config: c, modules: modules)
    }

    /// Closes and opens the same directory again (what a restart does).
    func reopen(modules: ModuleRegistry = ModuleRegistry()) throws {
        let c = db.config
        try db.close()
        db = nil
        db = try Database(config: c, modules: modules)
    }

    deinit {
        try? db?.close()
        try? FileManager.default.removeItem(atPath: path)
    }
}

func XCTAssertThrowsDatabaseError<T>(_ expr: @autoclosure () throws -> T, _ kind: DatabaseError.Kind, _ message: String,
                                     file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try expr()
        XCTFail("expected error '\(message)'", file: file, line: line)
    } catch let e as DatabaseError {
        XCTAssertEqual(e.kind, kind, "kind of '\(e.message)'", file: file, line: line)
        XCTAssertEqual(e.message, message, file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}

/// `XCTAssertThrowsDatabaseError` for an async expression.
func XCTAssertThrowsDatabaseError<T>(_ expr: @autoclosure () async throws -> T, _ kind: DatabaseError.Kind, _ message: String,
                                     file: StaticString = #filePath, line: UInt = #line) async {
    await assertAsyncThrows(kind, message, file: file, line: line) { _ = try await expr() }
}

func assertAsyncThrows(_ kind: DatabaseError.Kind, _ message: String, file: StaticString = #filePath, line: UInt = #line,
                       _ body: () async throws -> Void) async {
    do {
        try await body()
        XCTFail("expected error '\(message)'", file: file, line: line)
    } catch let e as DatabaseError {
        XCTAssertEqual(e.kind, kind, "kind of '\(e.message)'", file: file, line: line)
        XCTAssertEqual(e.message, message, file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}

func json(_ text: String) throws -> JSONValue { try JSONValue.parse(Data(text.utf8)) }
