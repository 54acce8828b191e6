// GraphQLAPI module
