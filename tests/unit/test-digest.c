/*
 * sha256_hex against FIPS 180-2's test vectors.
 */
#include <string.h>

#include "tap.h"
#include "util/digest.h"

int main(void)
{
	char hex[SHA256_HEX_LEN + 1];

	ok(sha256_hex(hex, "abc", 3) == 0, "digests \"abc\"");
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "FIPS 180-2 vector 1");
	ok(sha256_hex(hex, "", 0) == 0, "digests the empty string");
	is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "the empty string's digest");
	sha256_hex(hex, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56);
	is_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "FIPS 180-2 vector 2");
	return done_testing();
}
