using System.Globalization;
using System.Net.Http.Headers;

namespace Agents.Context.Sources;

/// <summary>
/// Refuses an answer larger than a bound, so that a broken or hostile server cannot fill the context service's memory:
/// a <c>Content-Length</c> above it fails at once; a body without one (chunked) fails as soon as reading passes it.
/// Every context source's HTTP client has one (<see cref="ContextSourceOptions.MaxResponseBytes"/>).
/// </summary>
public sealed class BoundedResponseHandler(long maxBytes) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Content.Headers.ContentLength is { } length && length > maxBytes)
        {
            response.Dispose();
            throw new HttpRequestException(TooLarge(length.ToString(CultureInfo.InvariantCulture)));
        }

        var original = response.Content;
        var bounded = new StreamContent(new BoundedStream(await original.ReadAsStreamAsync(cancellationToken), maxBytes));
        foreach (var (name, values) in original.Headers)
        {
            bounded.Headers.TryAddWithoutValidation(name, values);
        }

        response.Content = bounded;
        return response;
    }

    private string TooLarge(string size) =>
        $"the answer is {size} bytes, more than the {maxBytes.ToString(CultureInfo.InvariantCulture)} a context source reads (MaxResponseBytes)";

    private sealed class BoundedStream(Stream inner, long maxBytes) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Count(int read)
        {
            _read += read;
            if (_read > maxBytes)
            {
                throw new HttpRequestException(
                    $"the answer is more than the {maxBytes.ToString(CultureInfo.InvariantCulture)} bytes a context source reads (MaxResponseBytes)");
            }

            return read;
        }
    }
}
