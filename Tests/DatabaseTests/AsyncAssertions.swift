import XCTest

// XCTest's assertions take synchronous autoclosures; the Database's reads are async, so these
// variants let a test write `await XCTAssertEqualAsync(try await db.count(...), 3)`.

func XCTAssertEqualAsync<T: Equatable>(_ a: @autoclosure () async throws -> T, _ b: @autoclosure () async throws -> T,
                                       _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) async {
    do {
        let x = try await a(), y = try await b()
        XCTAssertEqual(x, y, message(), file: file, line: line)
    } catch { XCTFail("threw \(error)", file: file, line: line) }
}

func XCTAssertTrueAsync(_ a: @autoclosure () async throws -> Bool, _ message: @autoclosure () -> String = "",
                        file: StaticString = #filePath, line: UInt = #line) async {
    do { let x = try await a(); XCTAssertTrue(x, message(), file: file, line: line) } catch { XCTFail("threw \(error)", file: file, line: line) }
}

func XCTAssertFalseAsync(_ a: @autoclosure () async throws -> Bool, _ message: @autoclosure () -> String = "",
                         file: StaticString = #filePath, line: UInt = #line) async {
    do { let x = try await a(); XCTAssertFalse(x, message(), file: file, line: line) } catch { XCTFail("threw \(error)", file: file, line: line) }
}

func XCTAssertNilAsync<T>(_ a: @autoclosure () async throws -> T?, _ message: @autoclosure () -> String = "",
                          file: StaticString = #filePath, line: UInt = #line) async {
    do { let x = try await a(); XCTAssertNil(x, message(), file: file, line: line) } catch { XCTFail("threw \(error)", file: file, line: line) }
}

func XCTAssertNotNilAsync<T>(_ a: @autoclosure () async throws -> T?, _ message: @autoclosure () -> String = "",
                             file: StaticString = #filePath, line: UInt = #line) async {
    do { let x = try await a(); XCTAssertNotNil(x, message(), file: file, line: line) } catch { XCTFail("threw \(error)", file: file, line: line) }
}

func XCTUnwrapAsync<T>(_ a: @autoclosure () async throws -> T?, _ message: @autoclosure () -> String = "",
                       file: StaticString = #filePath, line: UInt = #line) async throws -> T {
    let x = try await a()
    return try XCTUnwrap(x, message(), file: file, line: line)
}
