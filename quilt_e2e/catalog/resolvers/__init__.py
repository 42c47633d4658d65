"""GraphQL resolvers, one module per area. Nodes are plain objects: graphql-core's default resolver
reads a field as a dict key or attribute, and calls it with (info, **arguments) when it is a method."""
