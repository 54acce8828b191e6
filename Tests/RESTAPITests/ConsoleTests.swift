import Database
import Foundation
import HTTPTypes
import Hummingbird
import ImageProcessing
import Logging
import NIOCore
import XCTest
@testable import RESTAPI

/// The console's routes through the whole REST pipeline (routing, authentication, headers): the static files
/// and `GET /v1/console/thumbnail/{className}/{id}/{property}`.
final class ConsoleTests: XCTestCase {
    static let photoID = "6f3e0b1c-3d4a-4b5c-8d6e-7f8091a2b3c4"
    static let namelessID = "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5"
    static let brokenID = "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d"

    private var directory = ""
    private var database: Database!

    override func setUp() async throws {
        directory = NSTemporaryDirectory() + "iris-console-test-" + UUID().uuidString
        database = try Database(config: DatabaseConfig(dataPath: directory, snapshotIntervalSeconds: nil), modules: ModuleRegistry())
        _ = try await database.createClass(ClassDefinition(
            className: "Photo",
            properties: [PropertyDefinition(name: "image", dataType: ["blob"]), PropertyDefinition(name: "name", dataType: ["text"])],
            vectorizer: "none"))
        let rocket = try Self.fixture("images/rocket.jpg").base64EncodedString()
        _ = try await database.createObject(ObjectInput(
            className: "Photo", id: Self.photoID, properties: ["image": .string(rocket), "name": "rocket"]))
        _ = try await database.createObject(ObjectInput(className: "Photo", id: Self.namelessID, properties: ["name": "no image"]))
        // Valid base64, but not an image.
        _ = try await database.createObject(ObjectInput(
            className: "Photo", id: Self.brokenID, properties: ["image": .string(Data("just text".utf8).base64EncodedString())]))
    }

    override func tearDown() async throws {
        try? database?.close()
        database = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func fixture(_ relative: String) throws -> Data {
        var url = URL(fileURLWithPath: #filePath)  // <repo>/Tests/RESTAPITests/ConsoleTests.swift
        for _ in 0..<4 { url.deleteLastPathComponent() }
        url.appendPathComponent("shared/fixtures/\(relative)")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("fixture missing: \(url.path) (shared/fixtures must sit beside the clone)")
        }
        return try Data(contentsOf: url)
    }

    private func server(apiKeys: [String]? = nil) throws -> RESTServer {
        let authenticator = try Authenticator(anonymousAccessEnabled: apiKeys == nil, apiKeys: apiKeys,
                                              users: apiKeys == nil ? [] : ["console@example.com"])
        return RESTServer(configuration: RESTConfiguration(authenticator: authenticator), database: database,
                          graphQL: nil, metrics: nil, logger: Logger(label: "test"))
    }

    struct Answer {
        let status: Int
        let headers: HTTPFields
        let body: [UInt8]
        func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }
    }

    /// Collects a response body.
    final class Collector: ResponseBodyWriter {
        var bytes: [UInt8] = []
        func write(_ buffer: ByteBuffer) async throws { bytes += buffer.readableBytesView }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    private func get(_ path: String, _ headers: [HTTPField.Name: String] = [:], on server: RESTServer? = nil) async throws -> Answer {
        var fields = HTTPFields()
        for (name, value) in headers { fields[name] = value }
        let request = Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1", path: path, headerFields: fields),
            body: RequestBody(buffer: ByteBuffer()))
        let response = await (try server ?? self.server()).respond(to: request)
        let collector = Collector()
        try await response.body.write(collector)
        return Answer(status: response.status.code, headers: response.headers, body: collector.bytes)
    }

    private let thumbnailPath = "/v1/console/thumbnail/Photo/\(ConsoleTests.photoID)/image"

    // MARK: Thumbnails

    func testThumbnailIsASmallJPEGWithCachingAndSafetyHeaders() async throws {
        let answer = try await get(thumbnailPath)
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.header("Content-Type"), "image/jpeg")
        XCTAssertEqual(Array(answer.body.prefix(3)), [0xFF, 0xD8, 0xFF])
        let image = try ImageDecoder.decode(Data(answer.body))
        XCTAssertEqual([image.width, image.height], [256, 171])  // rocket.jpg is 640x427
        XCTAssertLessThan(answer.body.count, 40_000)
        let etag = try XCTUnwrap(answer.header("ETag"))
        XCTAssertTrue(etag.hasPrefix("\"") && etag.hasSuffix("\""), etag)
        XCTAssertEqual(answer.header("Cache-Control"), "private, max-age=60")
        XCTAssertEqual(answer.header("Content-Security-Policy"), ConsoleRoutes.contentSecurityPolicy)
        XCTAssertEqual(answer.header("X-Content-Type-Options"), "nosniff")
    }

    func testSizeParameterAndItsLimits() async throws {
        let small = try await get(thumbnailPath + "?size=64")
        XCTAssertEqual(small.status, 200)
        let image = try ImageDecoder.decode(Data(small.body))
        XCTAssertEqual([image.width, image.height], [64, 43])
        let awaited1 = try await get(thumbnailPath)
        XCTAssertNotEqual(small.header("ETag"), awaited1.header("ETag"), "the size is part of the tag")
        for bad in ["?size=8", "?size=5000"] {
            let answer = try await get(thumbnailPath + bad)
            XCTAssertEqual(answer.status, 422, bad)
            XCTAssertTrue(String(decoding: answer.body, as: UTF8.self).contains("size must be between 16 and 1024"), bad)
        }
        let awaited2 = try await get(thumbnailPath + "?size=big")
        XCTAssertEqual(awaited2.status, 422)
    }

    func testMatchingIfNoneMatchIs304WithoutBody() async throws {
        let firstAnswer = try await get(thumbnailPath)
        let etag = try XCTUnwrap(firstAnswer.header("ETag"))
        for ifNoneMatch in [etag, "W/\(etag)", "\"other\", \(etag)", "*"] {
            let answer = try await get(thumbnailPath, [.ifNoneMatch: ifNoneMatch])
            XCTAssertEqual(answer.status, 304, ifNoneMatch)
            XCTAssertTrue(answer.body.isEmpty, ifNoneMatch)
            XCTAssertEqual(answer.header("ETag"), etag)
            XCTAssertEqual(answer.header("Cache-Control"), "private, max-age=60")
        }
        let changed = try await get(thumbnailPath, [.ifNoneMatch: "\"t1-256-0000\""])
        XCTAssertEqual(changed.status, 200)
        XCTAssertFalse(changed.body.isEmpty)
    }

    func testETagFollowsTheImage() async throws {
        let beforeAnswer = try await get(thumbnailPath)
        let before = try XCTUnwrap(beforeAnswer.header("ETag"))
        let chelsea = try Self.fixture("images/chelsea.png").base64EncodedString()
        try await database.mergeObject(className: "Photo", id: Self.photoID, ObjectInput(properties: ["image": .string(chelsea)]))
        let after = try await get(thumbnailPath, [.ifNoneMatch: before])
        XCTAssertEqual(after.status, 200, "a replaced image is not 'not modified'")
        XCTAssertNotEqual(after.header("ETag"), before)
        let image = try ImageDecoder.decode(Data(after.body))
        XCTAssertEqual([image.width, image.height], [256, 170])  // chelsea.png is 451x300
    }

    func testMissingThingsAre404() async throws {
        let missing = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
        for path in [
            "/v1/console/thumbnail/Photo/\(missing)/image",           // no such object
            "/v1/console/thumbnail/Painting/\(Self.photoID)/image",   // no such class
            "/v1/console/thumbnail/Photo/\(Self.photoID)/picture",    // no such property
            "/v1/console/thumbnail/Photo/\(Self.namelessID)/image",   // the object has no value for it
        ] {
            let answer = try await get(path)
            XCTAssertEqual(answer.status, 404, path)
            XCTAssertTrue(answer.body.isEmpty, path)
        }
    }

    func testWhatIsNotAnImageIs422() async throws {
        let text = try await get("/v1/console/thumbnail/Photo/\(Self.photoID)/name")
        XCTAssertEqual(text.status, 422)
        XCTAssertTrue(String(decoding: text.body, as: UTF8.self).contains("property 'name' of class 'Photo' is text, not blob"))
        let broken = try await get("/v1/console/thumbnail/Photo/\(Self.brokenID)/image")
        XCTAssertEqual(broken.status, 422)
        XCTAssertTrue(String(decoding: broken.body, as: UTF8.self).contains("is not a readable image"))
        let awaited3 = try await get("/v1/console/thumbnail/Photo/not-a-uuid/image")
        XCTAssertEqual(awaited3.status, 422)
    }

    func testThumbnailsNeedTheSameKeyAsObjectReads() async throws {
        let secured = try server(apiKeys: ["console-secret"])
        let anonymous = try await get(thumbnailPath, on: secured)
        XCTAssertEqual(anonymous.status, 401)
        let awaited4 = try await get(thumbnailPath, [.authorization: "Bearer wrong"], on: secured)
        XCTAssertEqual(awaited4.status, 401)
        let awaited5 = try await get("/v1/objects/Photo/\(Self.photoID)", on: secured)
        XCTAssertEqual(awaited5.status, 401)
        let withKey = try await get(thumbnailPath, [.authorization: "Bearer console-secret"], on: secured)
        XCTAssertEqual(withKey.status, 200)
        XCTAssertEqual(Array(withKey.body.prefix(3)), [0xFF, 0xD8, 0xFF])
    }

    // MARK: The console's files

    func testConsoleFilesAreServedWithoutAKeyAndWithACSP() async throws {
        let secured = try server(apiKeys: ["console-secret"])
        let bare = try await get("/console", on: secured)
        XCTAssertEqual(bare.status, 301)
        XCTAssertEqual(bare.header("Location"), "/console/")
        let index = try await get("/console/", on: secured)
        XCTAssertEqual(index.status, 200)
        XCTAssertEqual(index.header("Content-Type"), "text/html; charset=utf-8")
        XCTAssertEqual(index.header("Content-Security-Policy"), ConsoleRoutes.contentSecurityPolicy)
        XCTAssertTrue(String(decoding: index.body, as: UTF8.self).contains("<script type=\"module\" src=\"app.js\">"))
        let script = try await get("/console/app.js", on: secured)
        XCTAssertEqual(script.status, 200)
        XCTAssertEqual(script.header("Content-Type"), "text/javascript; charset=utf-8")
        let awaited6 = try await get("/console/nothing.js", on: secured)
        XCTAssertEqual(awaited6.status, 404)
        let awaited7 = try await get("/console/../v1/schema", on: secured)
        XCTAssertEqual(awaited7.status, 404)
        // The root keeps answering as Weaviate does.
        let root = try await get("/", on: secured)
        XCTAssertEqual(root.status, 301)
        XCTAssertEqual(root.header("Location"), "/v1")
    }

    func testConsoleFilesRevalidateWithTheirETag() async throws {
        let first = try await get("/console/console.css")
        XCTAssertEqual(first.header("Cache-Control"), "no-cache")
        let etag = try XCTUnwrap(first.header("ETag"))
        let awaited8 = try await get("/console/console.css", [.ifNoneMatch: etag])
        XCTAssertEqual(awaited8.status, 304)
        let awaited9 = try await get("/console/app.js", [.ifNoneMatch: etag])
        XCTAssertEqual(awaited9.status, 200)
    }

    func testConsoleIsSmallAndNeverWritesMarkupFromData() throws {
        let total = ConsoleFiles.all.values.reduce(0) { $0 + $1.bytes.count }
        XCTAssertLessThan(total, 200_000, "the console's first load must stay under 200 KB")
        for (name, file) in ConsoleFiles.all where name.hasSuffix(".js") {
            let text = String(decoding: file.bytes, as: UTF8.self)
            for forbidden in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
                XCTAssertFalse(text.contains(forbidden), "\(name) uses \(forbidden)")
            }
        }
    }
}
