import Foundation

/// The image half of a Hugging Face `preprocessor_config.json` (CLIPImageProcessor / CLIPFeatureExtractor),
/// with transformers' defaults for missing keys.
public struct CLIPPreprocessorConfig: Sendable, Equatable {
    /// How the image is resized before cropping.
    public enum ResizeTarget: Sendable, Equatable {
        /// Shortest edge to this length, the other edge `Int(length * long / short)` (aspect kept, floored).
        case shortestEdge(Int)
        /// Exactly this size (aspect not kept).
        case exact(width: Int, height: Int)
    }

    public static let openAICLIPMean: [Double] = [0.48145466, 0.4578275, 0.40821073]
    public static let openAICLIPStd: [Double] = [0.26862954, 0.26130258, 0.27577711]

    public var doResize = true
    public var size: ResizeTarget = .shortestEdge(224)
    public var resample: ResampleFilter = .bicubic
    public var doCenterCrop = true
    public var cropWidth = 224
    public var cropHeight = 224
    public var doRescale = true
    public var rescaleFactor = 1.0 / 255.0
    public var doNormalize = true
    public var imageMean: [Double] = CLIPPreprocessorConfig.openAICLIPMean
    public var imageStd: [Double] = CLIPPreprocessorConfig.openAICLIPStd

    /// transformers' CLIPImageProcessor defaults (those of openai/clip-vit-base-patch32).
    public init() {}

    /// Reads a preprocessor_config.json file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CLIPPreprocessorConfigError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        try self.init(json: data)
    }

    /// Parses preprocessor_config.json content. Accepts the legacy `"size": 224, "crop_size": 224` keys and the
    /// newer `{"shortest_edge": n}` / `{"height": h, "width": w}` dictionaries.
    public init(json data: Data) throws {
        guard let object = try? JSONSerialization.jsonObject(with: data), let dict = object as? [String: Any] else {
            throw CLIPPreprocessorConfigError.invalid("not a JSON object")
        }
        self.init()
        func bool(_ key: String) throws -> Bool? {
            guard let value = dict[key], !(value is NSNull) else { return nil }
            if let b = value as? Bool { return b }
            throw CLIPPreprocessorConfigError.invalid("\(key) must be true or false")
        }
        func number(_ key: String) throws -> Double? {
            guard let value = dict[key], !(value is NSNull) else { return nil }
            if let n = value as? NSNumber, !(value is Bool) { return n.doubleValue }
            throw CLIPPreprocessorConfigError.invalid("\(key) must be a number")
        }
        func triple(_ key: String) throws -> [Double]? {
            guard let value = dict[key], !(value is NSNull) else { return nil }
            if let n = value as? NSNumber { return [n.doubleValue, n.doubleValue, n.doubleValue] }
            if let list = value as? [NSNumber], list.count == 3 { return list.map(\.doubleValue) }
            throw CLIPPreprocessorConfigError.invalid("\(key) must be a number or a list of 3 numbers")
        }
        func positive(_ value: Any, _ key: String) throws -> Int {
            guard let n = value as? NSNumber, !(value is Bool), n.doubleValue >= 1, n.doubleValue == n.doubleValue.rounded()
            else { throw CLIPPreprocessorConfigError.invalid("\(key) must be a positive integer") }
            return n.intValue
        }

        if let v = try bool("do_resize") { doResize = v }
        if let value = dict["size"], !(value is NSNull) {
            if let sizes = value as? [String: Any] {
                if let edge = sizes["shortest_edge"] {
                    size = .shortestEdge(try positive(edge, "size.shortest_edge"))
                } else if let h = sizes["height"], let w = sizes["width"] {
                    size = .exact(width: try positive(w, "size.width"), height: try positive(h, "size.height"))
                } else {
                    throw CLIPPreprocessorConfigError.invalid("size needs shortest_edge or height and width")
                }
            } else {
                size = .shortestEdge(try positive(value, "size"))  // legacy int: shortest edge
            }
        }
        if let r = try number("resample") {
            guard let filter = ResampleFilter(rawValue: Int(r)) else {
                throw CLIPPreprocessorConfigError.invalid("resample \(Int(r)) is not a PIL filter (0-5)")
            }
            resample = filter
        }
        if let v = try bool("do_center_crop") { doCenterCrop = v }
        if let value = dict["crop_size"], !(value is NSNull) {
            if let sizes = value as? [String: Any] {
                guard let h = sizes["height"], let w = sizes["width"] else {
                    throw CLIPPreprocessorConfigError.invalid("crop_size needs height and width")
                }
                cropHeight = try positive(h, "crop_size.height")
                cropWidth = try positive(w, "crop_size.width")
            } else {
                cropHeight = try positive(value, "crop_size")  // legacy int: square
                cropWidth = cropHeight
            }
        }
        if let v = try bool("do_rescale") { doRescale = v }
        if let v = try number("rescale_factor") { rescaleFactor = v }
        if let v = try bool("do_normalize") { doNormalize = v }
        if let v = try triple("image_mean") { imageMean = v }
        if let v = try triple("image_std") { imageStd = v }
        try validate()
    }

    /// Throws unless every value can be used (sizes 1...65536, three means and standard deviations, no zero std).
    public func validate() throws {
        func check(_ value: Int, _ name: String) throws {
            guard (1...65536).contains(value) else {
                throw CLIPPreprocessorConfigError.invalid("\(name) must be between 1 and 65536, got \(value)")
            }
        }
        switch size {
        case .shortestEdge(let edge): try check(edge, "size.shortest_edge")
        case .exact(let width, let height): try check(width, "size.width"); try check(height, "size.height")
        }
        try check(cropWidth, "crop_size.width")
        try check(cropHeight, "crop_size.height")
        guard imageMean.count == 3, imageStd.count == 3 else {
            throw CLIPPreprocessorConfigError.invalid("image_mean and image_std need 3 values each")
        }
        guard rescaleFactor.isFinite, (imageMean + imageStd).allSatisfy(\.isFinite) else {
            throw CLIPPreprocessorConfigError.invalid("rescale_factor, image_mean and image_std must be finite")
        }
        if doNormalize, imageStd.contains(0) { throw CLIPPreprocessorConfigError.invalid("image_std contains 0") }
    }
}

/// A preprocessor_config.json that cannot be used.
public enum CLIPPreprocessorConfigError: Error, Equatable, CustomStringConvertible, LocalizedError {
    case unreadable(path: String, reason: String)
    case invalid(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read preprocessor config \(path): \(reason)"
        case .invalid(let reason): return "invalid preprocessor config: \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
