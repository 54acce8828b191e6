// RESTConfiguration's public fields are Auth types: re-export them so the binary needs one import.
@_exported import Auth
