/// A value bound to a `where` condition's placeholder; each engine converts it to its driver's type.
public enum SQLValue: Sendable, Equatable {
    case integer(Int64)
    case real(Double)
    case text(String)
}

/// The SQL text in which the engines differ. `FilterCompiler` walks a `where` tree once, with the rules
/// and errors that are Weaviate's, and asks the dialect for each fragment; `orderClause` asks it for
/// sorting on the JSON copy of a property. Each engine names its dialect (`StorageEngine.dialect`).
///
/// Fragments take SQL expressions and placeholders made by the compiler; `json` is the qualified `props`
/// column, `path` the placeholder bound to `propertyPath(name)`. The user-defined functions a fragment
/// calls (`iris_text_eq`, `iris_text_like`, `iris_like`, `iris_geo_distance`, `iris_date_nanos`) are the
/// engine's to provide, with `Tokenizer`'s semantics (SQLite: `SQLFunctions.register`).
public protocol SQLDialect: Sendable {
    /// The placeholder of the `position`-th bound value (1-based).
    func placeholder(_ position: Int) -> String
    /// A condition that never holds.
    var never: String { get }
    /// NOT `condition`, where NULL (an absent property compared) counts as no match.
    func negation(_ condition: String) -> String
    /// What `path` is bound to for a top-level property.
    func propertyPath(_ name: String) -> SQLValue
    /// The number of elements of the array at `path` (0 when absent).
    func arrayLength(_ json: String, path: String) -> String
    /// The length of the scalar at `path` read as text (0 when absent).
    func scalarLength(_ json: String, path: String) -> String
    /// Whether `path` is absent.
    func isAbsent(_ json: String, path: String) -> String
    /// A FROM item: the elements of the array at `path` as rows of `alias` (none when absent).
    func arrayElements(_ json: String, path: String, alias: String) -> String
    /// An element of `arrayElements` as a value comparable with a bound value of type `element`.
    func elementValue(_ alias: String, element: PropertyDataType) -> String
    /// The lower-case target uuid of a reference element (`{"beacon": "weaviate://localhost/[Class/]<uuid>"}`).
    func beaconTarget(_ alias: String) -> String
    /// The bound pattern for a Weaviate wildcard (`*` any run, `?` one character) matched by `wildcardMatch`.
    func wildcardPattern(_ pattern: String) -> String
    /// `column` matches the wildcard bound at `placeholder`, case-sensitively.
    func wildcardMatch(_ column: String, _ placeholder: String) -> String
    /// The JSON value of property `name` (a schema property name, which the name rules keep to
    /// `[_A-Za-z][_0-9A-Za-z]*`) for ORDER BY.
    func sortValue(_ json: String, name: String) -> String
}
