import XCTest
@testable import Database

final class ModelTests: XCTestCase {
    func testJSONParserKeepsIntsAndFloatsApartAndBoundsDepth() throws {
        let v = try json(#"{"a":1,"b":1.0,"c":-2e3,"d":"x\u00e9\n","e":[true,false,null],"f":{}}"#)
        XCTAssertEqual(v["a"], .int(1))
        XCTAssertEqual(v["b"], .double(1.0))
        XCTAssertEqual(v["c"], .double(-2000))
        XCTAssertEqual(v["d"], .string("xé\n"))
        XCTAssertEqual(v["e"], [true, false, nil])
        XCTAssertEqual(v["f"], .object([:]))
        XCTAssertEqual(v.jsonString(), #"{"a":1,"b":1,"c":-2000,"d":"xé\n","e":[true,false,null],"f":{}}"#)
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        XCTAssertThrowsError(try JSONValue.parse(Data(deep.utf8)))
        for bad in ["{", "[1,]", "{\"a\" 1}", "nul", "01x", "\"abc", "{\"a\":1}x"] {
            XCTAssertThrowsError(try JSONValue.parse(Data(bad.utf8)), bad)
        }
    }

    func testWhereFilterFromJSON() throws {
        let f = try WhereFilter.from(json: try json(#"{"operator":"WithinGeoRange","path":["loc"],"valueGeoRange":{"geoCoordinates":{"latitude":1,"longitude":2},"distance":{"max":300}}}"#))
        XCTAssertEqual(f.valueGeoRange, GeoRange(latitude: 1, longitude: 2, maxDistance: 300))
        XCTAssertThrowsDatabaseError(try WhereFilter.from(json: try json(#"{"operator":"Equal","path":"n","valueInt":1}"#)),
                                     .unprocessable, "invalid where filter: path must be an array of strings")
        XCTAssertThrowsDatabaseError(try WhereFilter.from(json: try json(#"{"operator":"Equal","path":["n"],"valueInt":"1"}"#)),
                                     .unprocessable, "invalid where filter: valueInt must be an integer")
        // ContainsAny/All/None are Or / And / Not-Or of one Equal per value.
        let any = try WhereFilter.from(json: try json(#"{"operator":"ContainsAny","path":["tags"],"valueText":["a","b"]}"#))
        XCTAssertEqual(any, WhereFilter(operator: .or, operands: [
            WhereFilter(operator: .equal, path: ["tags"], valueText: "a"), WhereFilter(operator: .equal, path: ["tags"], valueText: "b")]))
        let none = try WhereFilter.from(json: try json(#"{"operator":"ContainsNone","path":["n"],"valueInt":3}"#))
        XCTAssertEqual(none, WhereFilter(operator: .not, operands: [
            WhereFilter(operator: .or, operands: [WhereFilter(operator: .equal, path: ["n"], valueInt: 3)])]))
        XCTAssertThrowsDatabaseError(try WhereFilter.from(json: try json(#"{"operator":"ContainsAll","path":["n"],"valueInt":[]}"#)),
                                     .unprocessable, "invalid where filter: ContainsAll with an empty list of values")
        XCTAssertThrowsDatabaseError(try WhereFilter.from(json: try json(#"{"operator":"ContainsAll","path":["n"],"valueInt":[1,"x"]}"#)),
                                     .unprocessable, "invalid where filter: valueInt must be an integer")
    }

    func testValueFormats() {
        XCTAssertEqual(ValueFormats.rfc3339Nanos("1970-01-01T00:00:00Z"), 0)
        XCTAssertEqual(ValueFormats.rfc3339Nanos("1970-01-01T01:00:00+01:00"), 0)
        XCTAssertEqual(ValueFormats.rfc3339Nanos("2000-02-29T12:34:56.789Z"), 951_827_696_789_000_000)
        XCTAssertNil(ValueFormats.rfc3339Nanos("2001-02-29T00:00:00Z"))
        XCTAssertNil(ValueFormats.rfc3339Nanos("2001-01-01"))
        XCTAssertNil(ValueFormats.rfc3339Nanos("2001-01-01T00:00:00"))
        // Printing is the inverse, in UTC, with Go's RFC3339Nano fraction (trailing zeros dropped).
        for s in ["1970-01-01T00:00:00Z", "2000-02-29T12:34:56.789Z", "1969-12-31T23:59:59.999999999Z",
                  "1900-03-01T00:00:00.5Z", "2200-12-31T23:59:59Z", "2021-01-01T12:00:00Z"] {
            XCTAssertEqual(ValueFormats.rfc3339Nanos(s).map(ValueFormats.rfc3339Nano), s)
        }
        XCTAssertEqual(ValueFormats.rfc3339Nanos("1970-01-01T01:00:00+01:00").map(ValueFormats.rfc3339Nano), "1970-01-01T00:00:00Z")
        XCTAssertTrue(ValueFormats.isStrictBase64("aGVsbG8="))
        XCTAssertTrue(ValueFormats.isStrictBase64("aGk="))
        XCTAssertTrue(ValueFormats.isStrictBase64("aGVs"))
        XCTAssertFalse(ValueFormats.isStrictBase64("aGVsbG8"))
        XCTAssertFalse(ValueFormats.isStrictBase64("aGVs\nbG8="))
        XCTAssertFalse(ValueFormats.isStrictBase64("a==="))
        XCTAssertFalse(ValueFormats.isStrictBase64("aG=k"))
        XCTAssertTrue(ValueFormats.isUUID("6E3F5E8B-0a1c-4b6a-9c57-1d2e3f4a5b6c"))
        XCTAssertFalse(ValueFormats.isUUID("6e3f5e8b-0a1c-4b6a-9c57-1d2e3f4a5b6"))
        XCTAssertFalse(ValueFormats.isUUID("6e3f5e8b_0a1c-4b6a-9c57-1d2e3f4a5b6c"))
        XCTAssertFalse(ValueFormats.isUUID("ge3f5e8b-0a1c-4b6a-9c57-1d2e3f4a5b6c"))
    }

    func testBeacons() throws {
        let id = "6e3f5e8b-0a1c-4b6a-9c57-1d2e3f4a5b6c"
        XCTAssertEqual(try parseBeacon("weaviate://localhost/A/\(id)"), Beacon(host: "localhost", className: "A", id: id))
        XCTAssertEqual(try parseBeacon("weaviate://localhost/\(id)"), Beacon(host: "localhost", className: nil, id: id))
        XCTAssertEqual(try parseBeacon("weaviate://localhost//\(id)").className, nil)
        let remote = try parseBeacon("weaviate://peer-2/A/\(id)")
        XCTAssertFalse(remote.isLocal)
        XCTAssertEqual(remote.className, "A")
        XCTAssertThrowsDatabaseError(try parseBeacon("weaviate://localhost/A/not-a-uuid"), .unprocessable,
                                     "invalid beacon 'weaviate://localhost/A/not-a-uuid': 'not-a-uuid' is not a uuid")
        XCTAssertThrowsDatabaseError(try parseBeacon("http://localhost/A/\(id)"), .unprocessable,
                                     "invalid beacon 'http://localhost/A/\(id)': must start with weaviate://")
        XCTAssertThrowsDatabaseError(try parseBeacon("weaviate://localhost/A/\(id)/name"), .unprocessable,
                                     "invalid beacon 'weaviate://localhost/A/\(id)/name': must be of the form weaviate://<host>/[<className>/]<uuid>")
    }

    /// libphonenumber's answers as Weaviate stores them; its messages for each kind of bad value.
    func testPhoneNumbersAreParsedFormattedAndCheckedAsWeaviateDoes() async throws {
        let t = try TempDatabase { $0.autoSchemaEnabled = false }
        _ = try await t.db.createClass(ClassDefinition(className: "P", properties: [
            PropertyDefinition(name: "p", dataType: ["phoneNumber"]),
        ]))
        func stored(_ value: JSONValue) async throws -> JSONValue? {
            try await t.db.createObject(ObjectInput(className: "P", properties: ["p": value])).properties["p"]
        }
        // The v4 client's own test: an international number written without grouping.
        let london = try await stored(["input": "+44 1612345000"])
        XCTAssertEqual(london, [
            "input": "+44 1612345000", "countryCode": 44, "national": 1612345000,
            "internationalFormatted": "+44 161 234 5000", "nationalFormatted": "0161 234 5000", "valid": true,
        ])
        // A national number with its trunk prefix, a lower-case region, an extension.
        let mountainView = try await stored(["input": "(650) 253-0000 ext. 12", "defaultCountry": "us"])
        XCTAssertEqual(mountainView, [
            "input": "(650) 253-0000 ext. 12", "defaultCountry": "US", "countryCode": 1, "national": 6502530000,
            "internationalFormatted": "+1 650-253-0000 ext. 12", "nationalFormatted": "(650) 253-0000 ext. 12", "valid": true,
        ])
        // Italian fixed lines keep their leading zero in the formats, not in `national`.
        let rome = try await stored(["input": "+39 06 6982 1234"])
        XCTAssertEqual(rome?["national"], 669821234)
        XCTAssertEqual(rome?["nationalFormatted"], "06 6982 1234")
        // Parsable but not a number any territory assigns: stored without `valid`, as Weaviate's omitempty does.
        let short = try await stored(["input": "+44 161 234"])
        XCTAssertEqual(short?["internationalFormatted"], "+44 161234")
        XCTAssertNil(short?["valid"])

        let prefix = "invalid object: invalid phoneNumber property 'p' on class 'P': "
        let cases: [(JSONValue, String)] = [
            ("+44 161", "phoneNumber must be a map, but got: string"),
            (["defaultCountry": "GB"], "phoneNumber is missing required field 'input'"),
            (["input": 441612345000], "phoneNumber.input must be a string"),
            (["input": "0161 234 5000", "defaultCountry": 44], "phoneNumber.defaultCountry must be a string"),
            (["input": "+999 1234567"], "invalid phone number: invalid or missing defaultCountry - this field is optional if the specified number is in the international format, but required if the number is in national format, use ISO 3166-1 alpha-2"),
            (["input": "call me"], "invalid phone number: the phone number supplied is not a number"),
            (["input": "0044", "defaultCountry": "GB"], "invalid phone number: phone number had an IDD, but after this was not long enough to be a viable phone number"),
            (["input": "+44 1234567890123456789"], "invalid phone number: the string supplied is too long to be a phone number"),
        ]
        for (value, message) in cases {
            await assertAsyncThrows(.unprocessable, prefix + message) { _ = try await stored(value) }
        }
    }

    func testIntegerPropertyRejectsFractionsAndGeoPhoneValidation() async throws {
        let t = try TempDatabase { $0.autoSchemaEnabled = false }
        _ = try await t.db.createClass(ClassDefinition(className: "V", properties: [
            PropertyDefinition(name: "n", dataType: ["int"]), PropertyDefinition(name: "g", dataType: ["geoCoordinates"]),
            PropertyDefinition(name: "p", dataType: ["phoneNumber"]),
        ]))
        await assertAsyncThrows(.unprocessable, "invalid object: invalid integer property 'n' on class 'V': requires an integer, the given value is '2.5'") {
            _ = try await t.db.createObject(ObjectInput(className: "V", properties: ["n": 2.5]))
        }
        await assertAsyncThrows(.unprocessable, "invalid object: invalid geoCoordinates property 'g' on class 'V': latitude must be in [-90, 90] and longitude in [-180, 180]") {
            _ = try await t.db.createObject(ObjectInput(className: "V", properties: ["g": ["latitude": 91, "longitude": 0]]))
        }
        await assertAsyncThrows(.unprocessable, "invalid object: invalid phoneNumber property 'p' on class 'V': invalid phone number: invalid or missing defaultCountry - this field is optional if the specified number is in the international format, but required if the number is in national format, use ISO 3166-1 alpha-2") {
            _ = try await t.db.createObject(ObjectInput(className: "V", properties: ["p": ["input": "020 1234567"]]))
        }
        let o = try await t.db.createObject(ObjectInput(className: "V", properties: ["p": ["input": "020 1234567", "defaultCountry": "nl"]]))
        XCTAssertEqual(o.properties["p"]?["countryCode"], 31)
        XCTAssertEqual(o.properties["p"]?["national"], 201234567)
        XCTAssertEqual(o.properties["p"]?["valid"], true)
        XCTAssertEqual(o.properties["p"]?["nationalFormatted"], "020 123 4567")
        XCTAssertEqual(o.properties["p"]?["internationalFormatted"], "+31 20 123 4567")

        let status = try await t.db.updateShardStatus(ofClass: "V", shard: "node1", status: "READONLY").status
        XCTAssertEqual(status, "READONLY")
        await assertAsyncThrows(.unprocessable, "class 'V': shard 'node1' is read-only") {
            _ = try await t.db.createObject(ObjectInput(className: "V", properties: ["n": 1]))
        }
        _ = try await t.db.updateShardStatus(ofClass: "V", shard: "node1", status: "READY")
        _ = try await t.db.createObject(ObjectInput(className: "V", properties: ["n": 1]))
        await XCTAssertThrowsDatabaseError(try await t.db.updateShardStatus(ofClass: "V", shard: "other", status: "READY"), .notFound, "shard 'other' not found")
    }
}
