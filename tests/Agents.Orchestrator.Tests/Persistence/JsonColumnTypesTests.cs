using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Agents.Orchestrator.Incidents;
using Agents.Orchestrator.Persistence;
using Agents.Orchestrator.Tests.Incidents;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Agents.Orchestrator.Tests.Persistence;

/// <summary>
/// The store compares its <c>jsonb</c> columns by reference (<see cref="IncidentDbContext"/>): a value changed in place
/// would never be saved. These tests keep every type reachable from such a column immutable, and show a reassigned
/// value is saved while an untouched one is not rewritten.
/// </summary>
public sealed class JsonColumnTypesTests(StoreDatabase database) : IClassFixture<StoreDatabase>
{
    [Fact]
    public void Every_type_stored_as_json_is_immutable()
    {
        using var db = database.NewContext();
        var columns = db.Model.GetEntityTypes()
            .SelectMany(entity => entity.GetProperties())
            .Where(property => property.GetColumnType() == "jsonb")
            .ToList();
        Assert.True(columns.Count >= 20, $"found only {columns.Count} jsonb columns: the model lookup is wrong");

        var problems = new List<string>();
        var seen = new HashSet<Type>();
        foreach (var column in columns)
        {
            Check(column.ClrType, $"{column.DeclaringType.ClrType.Name}.{column.Name}", seen, problems);
        }

        Assert.True(problems.Count == 0, "types stored as jsonb must be immutable (init-only properties, read-only collections):\n"
            + string.Join("\n", problems));
    }

    [Fact]
    public void The_check_finds_a_settable_property_and_a_mutable_collection()
    {
        var problems = new List<string>();
        Check(typeof(Mutable), "test", [], problems);
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("Name", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Items", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reassigned_segment_is_saved_and_an_untouched_one_is_not_written()
    {
        var incident = new IncidentState
        {
            CorrelationId = Guid.NewGuid(), CurrentState = Agents.Contracts.Incidents.IncidentStatuses.Triaging, Fingerprint = $"fp-{Guid.NewGuid():N}", IsOpen = true, AlertCount = 1,
            Alert = Samples.Alert(), CreatedAt = Samples.AlertTime, UpdatedAt = Samples.AlertTime, CurrentStep = Agents.Contracts.IncidentSteps.Triage,
        };
        await using (var db = database.NewContext())
        {
            db.Incidents.Add(incident);
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            var loaded = await db.Incidents.SingleAsync(i => i.CorrelationId == incident.CorrelationId);
            loaded.Triage = Samples.Triage();
            var changed = db.Entry(loaded).Properties.Where(p => p.IsModified).Select(p => p.Metadata.Name).ToList();
            Assert.Equal([nameof(IncidentState.Triage)], changed);
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            var loaded = await db.Incidents.AsNoTracking().SingleAsync(i => i.CorrelationId == incident.CorrelationId);
            Assert.Equal(Samples.Triage(), loaded.Triage);
        }

        // Untouched: nothing is written (xmin stays).
        await using (var db = database.NewContext())
        {
            var loaded = await db.Incidents.SingleAsync(i => i.CorrelationId == incident.CorrelationId);
            var version = loaded.RowVersion;
            Assert.Equal(0, await db.SaveChangesAsync());
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT xmin::text::bigint FROM orchestrator.incidents WHERE incident_id = @id", connection);
            command.Parameters.AddWithValue("id", incident.CorrelationId);
            Assert.Equal(version, (uint)(long)(await command.ExecuteScalarAsync())!);
        }
    }

    private static readonly HashSet<Type> Leaves =
    [
        typeof(string), typeof(Guid), typeof(DateTimeOffset), typeof(DateTime), typeof(TimeSpan), typeof(decimal), typeof(Uri),
        typeof(JsonElement),
    ];

    private static void Check(Type type, string path, HashSet<Type> seen, List<string> problems)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsPrimitive || type.IsEnum || Leaves.Contains(type) || !seen.Add(type))
        {
            return;
        }

        if (type.IsArray)
        {
            problems.Add($"{path}: {type.Name} is an array (changeable in place); use IReadOnlyList<T>");
            return;
        }

        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            if (definition == typeof(IReadOnlyList<>) || definition == typeof(IReadOnlyCollection<>) || definition == typeof(IReadOnlyDictionary<,>)
                || definition == typeof(IEnumerable<>))
            {
                foreach (var argument in type.GetGenericArguments())
                {
                    Check(argument, $"{path}<{argument.Name}>", seen, problems);
                }

                return;
            }

            if (typeof(System.Collections.IEnumerable).IsAssignableFrom(type))
            {
                problems.Add($"{path}: {type.Name} is a changeable collection; use IReadOnlyList<T> or IReadOnlyDictionary<K, V>");
                return;
            }
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is { IsPublic: true } setter
                && !setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)))
            {
                problems.Add($"{path}.{property.Name}: has a public setter; make it init-only");
            }

            Check(property.PropertyType, $"{path}.{property.Name}", seen, problems);
        }
    }

    private sealed class Mutable
    {
        public string Name { get; set; } = "";

        public IReadOnlyList<string> Tags { get; init; } = [];

        public List<string> Items { get; init; } = [];
    }
}
