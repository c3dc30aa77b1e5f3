using System.Text;
using Npgsql;

namespace Agents.Hosting;

/// <summary>
/// Faults caused by the data in a message rather than by the moment it was handled: PostgreSQL's data exceptions
/// (SQLSTATE class 22: <c>22P05</c> untranslatable character, <c>22001</c> value too long, <c>22021</c> invalid byte
/// sequence, ...) and text that cannot even be encoded to be sent (a lone surrogate). Retrying them cannot help, and
/// they are no outage to page anyone about: the message goes to its error queue once, with the reason.
/// </summary>
public static class DataFaults
{
    public static bool IsCausedByData(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: var state } && state.StartsWith("22", StringComparison.Ordinal))
            {
                return true;
            }

            if (e is EncoderFallbackException or DecoderFallbackException)
            {
                return true;
            }
        }

        return false;
    }
}
