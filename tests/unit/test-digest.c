/*
 * sha256_hex against FIPS 180-2's test vectors, hmac_sha256_hex against
 * RFC 4231's.
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

	{
		char key[131];

		memset(key, 0x0b, 20);
		ok(hmac_sha256_hex(hex, key, 20, "Hi There", 8) == 0, "an HMAC-SHA256");
		is_str(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
		       "RFC 4231 test case 1");
		hmac_sha256_hex(hex, "Jefe", 4, "what do ya want for nothing?", 28);
		is_str(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		       "RFC 4231 test case 2 (a key shorter than the block)");
		/* A key longer than the block (64 bytes) is hashed first. */
		memset(key, 0xaa, sizeof(key));
		hmac_sha256_hex(hex, key, sizeof(key), "Test Using Larger Than Block-Size Key - Hash Key First", 54);
		is_str(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
		       "RFC 4231 test case 6 (a key longer than the block)");
	}
	return done_testing();
}
