/// The Weaviate release Iris reports (`GET /v1/meta`, `/v1/nodes`): 1.27.0, the lowest that
/// weaviate-client 4.24.1 accepts, so its version gates pick the paths Iris implements (gRPC Search,
/// BatchObjects, BatchDelete, TenantsGet; Aggregate over GraphQL). The v3 client reads it too and still
/// finds every 1.19 behaviour it relies on. One constant for every API that reports a version.
public enum ServerVersion {
    public static let weaviate = "1.27.0"
}
