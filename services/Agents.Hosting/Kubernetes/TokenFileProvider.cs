using System.Net.Http.Headers;
using k8s.Authentication;

namespace Agents.Hosting.Kubernetes;

/// <summary>
/// The bearer token kept in a file, such as a projected ServiceAccount token that the kubelet rotates: read again
/// whenever the file's modification time or size changes, and at least once a minute (a rotation through a symlink
/// swap may keep both).
/// </summary>
public sealed class TokenFileProvider(string path, TimeProvider time) : ITokenProvider
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    private Cached? _cached;

    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new FileNotFoundException($"kubernetes: the token file '{path}' does not exist");
        }

        var now = time.GetUtcNow();
        var cached = _cached;
        if (cached is null || cached.Written != file.LastWriteTimeUtc || cached.Length != file.Length || now - cached.ReadAt > MaxAge)
        {
            var token = (await File.ReadAllTextAsync(path, cancellationToken)).Trim();
            if (token.Length == 0)
            {
                throw new InvalidDataException($"kubernetes: the token file '{path}' is empty");
            }

            cached = new Cached(file.LastWriteTimeUtc, file.Length, now, token);
            _cached = cached;
        }

        return new AuthenticationHeaderValue("Bearer", cached.Token);
    }

    /// <summary>A class, not a record: a record's ToString would print the token.</summary>
    private sealed class Cached(DateTime written, long length, DateTimeOffset readAt, string token)
    {
        public DateTime Written => written;

        public long Length => length;

        public DateTimeOffset ReadAt => readAt;

        public string Token => token;
    }
}
