import XCTest
@testable import Database

/// Relative-score fusion (the gRPC hybrid default) against values worked out by hand.
final class RelativeScoreFusionTests: XCTestCase {
    func testScoresAreMinMaxNormalisedPerSetThenWeighted() {
        func candidate(_ id: String, _ raw: Double) -> FusionCandidate {
            FusionCandidate(id: id, object: WeaviateObject(className: "C", id: id), explanation: "", secondary: raw)
        }
        // Keyword scores 4, 2, 1 normalise to 1, 1/3, 0; vector similarities 0.9, 0.5 to 1, 0.
        let keyword = [candidate("a", 4), candidate("b", 2), candidate("c", 1)]
        let vector = [candidate("c", 0.9), candidate("d", 0.5)]
        let fused = relativeScoreFusion(weights: [0.25, 0.75], sets: [keyword, vector])
        XCTAssertEqual(fused.map(\.object.id), ["c", "a", "b", "d"])
        XCTAssertEqual(fused.map(\.score), [0.75, 0.25, Float(0.25 / 3), 0])
    }

    func testASetWhoseScoresAreAllEqualCountsFully() {
        let only = [FusionCandidate(id: "x", object: WeaviateObject(className: "C", id: "x"), explanation: "", secondary: 3)]
        XCTAssertEqual(relativeScoreFusion(weights: [0.4], sets: [only]).map(\.score), [0.4])
        XCTAssertTrue(relativeScoreFusion(weights: [0.5, 0.5], sets: [[], []]).isEmpty)
    }
}
