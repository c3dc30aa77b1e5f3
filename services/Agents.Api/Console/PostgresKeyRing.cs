using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Agents.Api.OperatorConsole;

/// <summary>
/// The data-protection key ring of every API replica, in PostgreSQL (<c>data_protection_keys</c>, created by the
/// orchestrator's migrations): a console session, a form's antiforgery token or a sign-in's correlation cookie made by
/// one replica is read by the others, and survives restarts. The keys are stored as ASP.NET Core writes them (not
/// encrypted at rest): the database is as trusted as the API's other secrets; its role may add and read keys only.
/// </summary>
internal sealed class PostgresKeyRing(string connectionString) : IXmlRepository
{
    public const string Table = "data_protection_keys";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"SELECT xml FROM {Table} ORDER BY id", connection);
        using var reader = command.ExecuteReader();
        var keys = new List<XElement>();
        while (reader.Read())
        {
            keys.Add(XElement.Parse(reader.GetString(0)));
        }

        return keys;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"INSERT INTO {Table} (friendly_name, xml) VALUES (@name, @xml)", connection);
        command.Parameters.AddWithValue("name", friendlyName);
        command.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}
