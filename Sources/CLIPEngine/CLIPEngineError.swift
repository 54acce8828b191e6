/// Every failure of the engine: bad model folders, bad weight files, bad inputs. The message says what and where.
public struct CLIPEngineError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
