// `JSONValue`, its parser (`JSONValue.parse`, `JSONParseError`) and escaper (`JSONText`) live in the JSON
// target; re-exported so every `import Database` caller sees them as before.
@_exported import JSON
