using Npgsql;

namespace Agents.Hosting;

/// <summary>
/// Faults that say PostgreSQL could not be reached or is not taking work right now (restarting, failing over, shutting
/// down, out of connections, not answering in time), as opposed to a fault of the message or of our code: Npgsql's
/// transient errors, other than those of contention (serialization failures, deadlocks, locks not available, which
/// the ordinary quick retries handle), seen through the wrappers EF Core and MassTransit put around them.
/// </summary>
public static class OutageFaults
{
    public static bool IsOutage(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException { SqlState: "40001" or "40P01" or "55P03" or "55006" or "55000" }:
                    // Serialization failure, deadlock, lock not available, object in use: contention, not an outage.
                    return false;
                case NpgsqlException { IsTransient: true }:
                    return true;
            }
        }

        return false;
    }
}
