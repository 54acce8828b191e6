import Database
import Foundation
import SwiftProtobuf
import Testing
@testable import GRPCAPI

/// The protobuf → Database mapping: requests as weaviate-client 4.24.1 builds them (spec §4) must
/// become the same `WhereFilter` / `GetRequest` / `ObjectInput` GraphQL and REST produce.
@Suite struct DecodingTests {
    static let article = ClassDefinition(className: "Article", properties: [
        PropertyDefinition(name: "title", dataType: ["text"]),
        PropertyDefinition(name: "n", dataType: ["int"]),
        PropertyDefinition(name: "ns", dataType: ["int[]"]),
        PropertyDefinition(name: "published", dataType: ["date"]),
        PropertyDefinition(name: "author", dataType: ["Person"]),
    ])
    static let person = ClassDefinition(className: "Person", properties: [PropertyDefinition(name: "name", dataType: ["text"])])
    static func lookup(_ name: String) -> ClassDefinition? { ["Article": article, "Person": person][name] }

    func filters(_ op: Weaviate_V1_Filters.Operator, _ property: String, _ value: Weaviate_V1_Filters.OneOf_TestValue) -> Weaviate_V1_Filters {
        var f = Weaviate_V1_Filters()
        f.operator = op
        f.target.property = property
        f.testValue = value
        return f
    }

    func decode(_ f: Weaviate_V1_Filters) throws -> WhereFilter {
        try FilterDecoding(cls: Self.article, classNamed: Self.lookup).decode(f)
    }

    @Test func leftDeepAndBecomesNestedAnd() throws {
        // (title == "a" & n > 3) & published < date: the client's nesting for `a & b & c`.
        var inner = Weaviate_V1_Filters()
        inner.operator = .and
        inner.filters = [filters(.equal, "title", .valueText("a")), filters(.greaterThan, "n", .valueInt(3))]
        var outer = Weaviate_V1_Filters()
        outer.operator = .and
        outer.filters = [inner, filters(.lessThan, "published", .valueText("2024-01-01T00:00:00.000000+00:00"))]
        let w = try decode(outer)
        #expect(w == WhereFilter(operator: .and, operands: [
            WhereFilter(operator: .and, operands: [
                WhereFilter(operator: .equal, path: ["title"], valueText: "a"),
                WhereFilter(operator: .greaterThan, path: ["n"], valueInt: 3),
            ]),
            // A date property takes the text value as valueDate.
            WhereFilter(operator: .lessThan, path: ["published"], valueDate: "2024-01-01T00:00:00.000000+00:00"),
        ]))
    }

    @Test func specialPathsAndContainsOperators() throws {
        #expect(try decode(filters(.equal, "_id", .valueText("x"))) == WhereFilter(operator: .equal, path: ["id"], valueText: "x"))
        let created = try decode(filters(.greaterThan, "_creationTimeUnix", .valueText("2024-01-01T00:00:00Z")))
        #expect(created.valueDate == "2024-01-01T00:00:00Z" && created.valueText == nil)

        var ints = Weaviate_V1_IntArray(); ints.values = [1, 2]
        let any = try decode(filters(.containsAny, "ns", .valueIntArray(ints)))
        #expect(any == WhereFilter(operator: .or, operands: [
            WhereFilter(operator: .equal, path: ["ns"], valueInt: 1), WhereFilter(operator: .equal, path: ["ns"], valueInt: 2)]))
        let none = try decode(filters(.containsNone, "ns", .valueIntArray(ints)))
        #expect(none.operator == .not && none.operands?.first?.operator == .or)
        #expect(throws: GRPCAPIError.self) { try decode(filters(.equal, "ns", .valueIntArray(ints))) }
    }

    @Test func referencePathsNameTheTargetClass() throws {
        var f = Weaviate_V1_Filters()
        f.operator = .equal
        var single = Weaviate_V1_FilterReferenceSingleTarget()
        single.on = "author"
        single.target.property = "name"
        f.target.singleTarget = single
        f.testValue = .valueText("Ann")
        #expect(try decode(f) == WhereFilter(operator: .equal, path: ["author", "Person", "name"], valueText: "Ann"))
        single.on = "title"  // not a reference
        f.target.singleTarget = single
        #expect(throws: GRPCAPIError.self) { try decode(f) }
    }

    func search(_ build: (inout Weaviate_V1_SearchRequest) -> Void) throws -> SearchPlan {
        var r = Weaviate_V1_SearchRequest()
        r.collection = "Article"
        r.uses123Api = true; r.uses125Api = true; r.uses127Api = true
        r.metadata.uuid = true
        build(&r)
        return try SearchDecoding(cls: Self.article, classNamed: Self.lookup, defaultLimit: 25).decode(r)
    }

    @Test func nearVectorBytesLimitsAndThresholds() throws {
        let plan = try search {
            $0.nearVector.vectorBytes = WireFormats.float32Bytes([1, 2, 3])
            $0.nearVector.distance = 0.5
            $0.metadata.distance = true
        }
        #expect(plan.get.near.nearVector == NearVectorParameter(vector: [1, 2, 3], distance: 0.5))
        // A distance and no limit: search by distance (limit left unset), as GraphQL.
        #expect(plan.get.limit == nil)
        #expect(plan.get.additional.distance && plan.get.additional.id && !plan.get.additional.vector)
        #expect(plan.returns.properties == nil)  // no `properties`: all non-reference properties

        let page = try search { $0.offset = 5; $0.sortBy = [Weaviate_V1_SortBy.with { $0.path = ["n"] }] }
        #expect(page.get.limit == 25 && page.get.offset == 5)
        #expect(page.get.sort == [SortSpec(path: ["n"], ascending: false)])

        let limited = try search { $0.limit = 3; $0.properties.nonRefProperties = ["title"] }
        #expect(limited.get.limit == 3 && limited.returns.properties == ["title"])

        #expect(try search { $0.tenant = "t1" }.get.tenant == "t1")
        #expect(try search { _ in }.get.tenant == nil)
    }

    @Test func hybridDefaultsToRelativeScoreFusion() throws {
        let plan = try search {
            $0.hybridSearch.query = "fox"
            $0.hybridSearch.alpha = 0.7
            $0.hybridSearch.vectorBytes = WireFormats.float32Bytes([0.5, 0.5])
        }
        #expect(plan.get.hybrid?.fusionType == .relativeScoreFusion)
        #expect(plan.get.hybrid?.vector == [0.5, 0.5])
        #expect(abs((plan.get.hybrid?.alpha ?? 0) - 0.7) < 1e-6)
        let ranked = try search { $0.hybridSearch.query = "fox"; $0.hybridSearch.fusionType = .ranked }
        #expect(ranked.get.hybrid?.fusionType == .rankedFusion)
    }

    @Test func autocutIsPassedOn() throws {
        #expect(try search { $0.autocut = 2 }.get.autocut == 2)
        #expect(try search { _ in }.get.autocut == nil)
    }

    @Test func groupByBecomesTheDatabasesGroupBy() throws {
        let plan = try search {
            $0.nearVector.vectorBytes = WireFormats.float32Bytes([1, 0])
            $0.groupBy.path = ["title"]
            $0.groupBy.numberOfGroups = 3
            $0.groupBy.objectsPerGroup = 2
            $0.metadata.vector = true
        }
        #expect(plan.get.groupBy == GroupByParameter(path: ["title"], groups: 3, objectsPerGroup: 2))
        #expect(plan.get.additional.groupHitVector)
        #expect(throws: GRPCAPIError.invalidArgument("groupby path can only have one entry, received [\"a\", \"b\"]")) {
            try search { $0.groupBy.path = ["a", "b"] }
        }
        let quorum = try search { $0.consistencyLevel = .quorum }
        #expect(quorum.get.consistencyLevel == .quorum)
    }

    @Test func unsupportedFeaturesAreRefusedNotIgnored() {
        #expect(throws: GRPCAPIError.self) {
            try search { $0.nearVector.vectorBytes = WireFormats.float32Bytes([1]); $0.nearVector.targets.targetVectors = ["own"] }
        }
    }

    @Test func batchObjectJoinsPropertiesAndRestoresIntegers() throws {
        var b = Weaviate_V1_BatchObject()
        b.uuid = "00000000-0000-4000-8000-000000000001"
        b.collection = "Article"
        b.vectorBytes = WireFormats.float32Bytes([0.25, 1])
        var p = Weaviate_V1_BatchObject.Properties()
        // What the client sends for {"title": "x", "n": 3, "published": None}: a Struct with 3.0.
        p.nonRefProperties = Google_Protobuf_Struct(fields: [
            "title": Google_Protobuf_Value(stringValue: "x"), "n": Google_Protobuf_Value(numberValue: 3),
            "published": Google_Protobuf_Value(nilLiteral: ()),
        ])
        p.intArrayProperties = [Weaviate_V1_IntArrayProperties.with { $0.propName = "ns"; $0.values = [4, 5] }]
        p.numberArrayProperties = [Weaviate_V1_NumberArrayProperties.with {
            $0.propName = "scores"; $0.valuesBytes = WireFormats.float64Bytes([0.5, 1.5])
        }]
        p.emptyListProps = ["tags"]
        p.singleTargetRefProps = [Weaviate_V1_BatchObject.SingleTargetRefProps.with {
            $0.propName = "author"; $0.uuids = ["00000000-0000-4000-8000-00000000000a"]
        }]
        b.properties = p
        let input = try BatchObjectDecoding.input(b, cls: Self.article)
        #expect(input.className == "Article" && input.id == b.uuid && input.vector == [0.25, 1])
        #expect(input.properties == [
            "title": .string("x"), "n": .int(3), "published": .null, "ns": .array([.int(4), .int(5)]),
            "scores": .array([.double(0.5), .double(1.5)]), "tags": .array([]),
            "author": .array([.object(["beacon": .string("weaviate://localhost/00000000-0000-4000-8000-00000000000a")])]),
        ])
        // The tenant goes to the Database, which checks it against the class (Weaviate's messages).
        b.tenant = "t1"
        #expect(try BatchObjectDecoding.input(b, cls: Self.article).tenant == "t1")
    }

    @Test func valuesAreEncodedByTheirSchemaType() throws {
        #expect(ResultEncoding.value(.string("a"), kind: .text).textValue == "a")
        #expect(ResultEncoding.value(.string("2024-01-01T00:00:00Z"), kind: .date).dateValue == "2024-01-01T00:00:00Z")
        #expect(ResultEncoding.value(.int(7), kind: .int).intValue == 7)
        #expect(ResultEncoding.value(.int(7), kind: .number).numberValue == 7)
        let ints = ResultEncoding.value(.array([.int(1), .int(-2)]), kind: .intArray).listValue.intValues.values
        #expect(ints == WireFormats.int64Bytes([1, -2]))
        let numbers = ResultEncoding.value(.array([.double(0.5)]), kind: .numberArray).listValue.numberValues.values
        #expect(try WireFormats.float64s(numbers) == [0.5])
        #expect(ResultEncoding.value(.array([.string("u")]), kind: .uuidArray).listValue.uuidValues.values == ["u"])
        let geo = ResultEncoding.value(.object(["latitude": .double(52.5), "longitude": .double(13.25)]), kind: .geoCoordinates)
        #expect(geo.geoValue.latitude == 52.5 && geo.geoValue.longitude == 13.25)
    }

    @Test func databaseErrorsMapToWeaviateStatusCodes() {
        #expect(GRPCAPIError(DatabaseError(.unprocessable, "bad")).code == .invalidArgument)
        #expect(GRPCAPIError(DatabaseError(.notFound, "gone")).code == .notFound)
        #expect(GRPCAPIError(DatabaseError(.internal, "disk")).code == .internalError)
        #expect(AuthInterceptor.permission("BatchDelete") == ("delete", "batch/objects"))
        #expect(AuthInterceptor.permission("Search") == ("get", "traversal/*"))
    }
}
