namespace TokenTrace.PostgreSql.Tests;

/// <summary>Every test class that needs a server joins this collection: one throwaway cluster serves the whole run.</summary>
[CollectionDefinition(Name)]
public sealed class PostgreSqlCollection : ICollectionFixture<PostgreSqlServer>
{
    public const string Name = "PostgreSQL server";
}
