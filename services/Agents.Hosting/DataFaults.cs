using System.Text;
using Npgsql;

namespace Agents.Hosting;

/// <summary>
/// Faults caused by the data in a message rather than by the moment it was handled: the PostgreSQL data exceptions a
/// value from outside can cause (<c>22P05</c> untranslatable character, <c>22001</c> value too long, <c>22021</c> invalid
/// byte sequence; not the rest of class 22, such as a numeric overflow, which is more likely our own bug) and text that
/// cannot even be encoded to be sent (a lone surrogate). Retrying them cannot help, and
/// they are no outage to page anyone about: the message goes to its error queue once, with the reason.
/// </summary>
public static class DataFaults
{
    public static bool IsCausedByData(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: "22P05" or "22001" or "22021" })
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
