//! CWE-327 broken or risky ciphers (DES, RC4, AES-ECB, RSA PKCS#1 v1.5 encryption, XOR), CWE-328 weak
//! hashes for passwords and signatures, and CWE-338 predictable random values for tokens and codes.
//! The input is ordinary data (the value being encrypted, hashed or issued a token for).

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, Recipe, Sink};

const WHY_GCM: &str = "AES-GCM with a fresh random nonce encrypts and authenticates the value.";
const WHY_SECRETS: &str = "The value comes from the `secrets` module, which uses the operating system's CSPRNG.";

pub const RECIPES: &[Recipe] = &[
    Recipe::Taint { name: "broken-crypto", version: 1, cwe: CweId(327), sinks: BROKEN_CRYPTO },
    Recipe::Taint { name: "weak-hash", version: 1, cwe: CweId(328), sinks: WEAK_HASH },
    Recipe::Taint { name: "weak-prng", version: 1, cwe: CweId(338), sinks: WEAK_PRNG },
];

const BROKEN_CRYPTO: &[Sink] = &[
    Sink {
        name: "pycryptodome-des",
        input: Input::Text,
        imports: &["import os", "from Crypto.Cipher import AES, DES", "from Crypto.Util.Padding import pad"],
        setup: "FIELD_KEY = bytes.fromhex(os.environ[\"FIELD_ENCRYPTION_KEY\"])",
        vulnerable: r#"cipher = DES.new(FIELD_KEY[:8], DES.MODE_ECB)  #@
ciphertext = cipher.encrypt(pad($v.encode(), DES.block_size))
$out = ciphertext.hex()
"#,
        fixed: &[Fix {
            imports: &[],
            body: r#"cipher = AES.new(FIELD_KEY, AES.MODE_GCM)  #@
ciphertext, tag = cipher.encrypt_and_digest($v.encode())
$out = (cipher.nonce + tag + ciphertext).hex()
"#,
            why: WHY_GCM,
        }],
        why: "`$v` is encrypted with single DES in ECB mode: a 56-bit key that can be brute-forced, and equal blocks \
              give equal ciphertext.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "pycryptodome-aes-ecb",
        input: Input::Text,
        imports: &[
            "import base64",
            "import os",
            "from Crypto.Cipher import AES",
            "from Crypto.Util.Padding import pad",
        ],
        setup: "FIELD_KEY = bytes.fromhex(os.environ[\"FIELD_ENCRYPTION_KEY\"])",
        vulnerable: r#"cipher = AES.new(FIELD_KEY, AES.MODE_ECB)  #@
$out = base64.b64encode(cipher.encrypt(pad($v.encode(), AES.block_size))).decode()
"#,
        fixed: &[Fix {
            imports: &[],
            body: r#"cipher = AES.new(FIELD_KEY, AES.MODE_GCM)  #@
ciphertext, tag = cipher.encrypt_and_digest($v.encode())
$out = base64.b64encode(cipher.nonce + tag + ciphertext).decode()
"#,
            why: WHY_GCM,
        }],
        why: "AES in ECB mode encrypts equal blocks of `$v` to equal ciphertext and has no integrity check, so \
              patterns leak and ciphertext can be cut and pasted.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "cryptography-ecb",
        input: Input::Text,
        imports: &[
            "import os",
            "from cryptography.hazmat.primitives import padding",
            "from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes",
        ],
        setup: "FIELD_KEY = bytes.fromhex(os.environ[\"FIELD_ENCRYPTION_KEY\"])",
        vulnerable: r#"padder = padding.PKCS7(128).padder()
padded = padder.update($v.encode()) + padder.finalize()
encryptor = Cipher(algorithms.AES(FIELD_KEY), modes.ECB()).encryptor()  #@
$out = (encryptor.update(padded) + encryptor.finalize()).hex()
"#,
        fixed: &[Fix {
            imports: &["from cryptography.hazmat.primitives.ciphers.aead import AESGCM"],
            body: r#"nonce = os.urandom(12)
$out = (nonce + AESGCM(FIELD_KEY).encrypt(nonce, $v.encode(), None)).hex()  #@
"#,
            why: WHY_GCM,
        }],
        why: "`modes.ECB()` encrypts each block of `$v` independently, leaking repeated content, and nothing \
              detects tampering.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "pycryptodome-arc4",
        input: Input::Text,
        imports: &["import os", "from Crypto.Cipher import ARC4"],
        setup: "FIELD_KEY = bytes.fromhex(os.environ[\"FIELD_ENCRYPTION_KEY\"])",
        vulnerable: r#"cipher = ARC4.new(FIELD_KEY)  #@
$out = cipher.encrypt($v.encode()).hex()
"#,
        fixed: &[Fix {
            imports: &["from Crypto.Cipher import ChaCha20_Poly1305"],
            body: r#"cipher = ChaCha20_Poly1305.new(key=FIELD_KEY)  #@
ciphertext, tag = cipher.encrypt_and_digest($v.encode())
$out = (cipher.nonce + tag + ciphertext).hex()
"#,
            why: "ChaCha20-Poly1305 with a random nonce per message encrypts and authenticates the value.",
        }],
        why: "RC4 has biased output and no nonce: every value encrypted under the same key reuses one keystream.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "rsa-pkcs1v15-encrypt",
        input: Input::Text,
        imports: &[
            "from pathlib import Path",
            "from cryptography.hazmat.primitives import hashes, serialization",
            "from cryptography.hazmat.primitives.asymmetric import padding",
        ],
        setup: "PUBLIC_KEY = serialization.load_pem_public_key(Path(\"/etc/app/keys/$entity-public.pem\").read_bytes())",
        vulnerable: r#"ciphertext = PUBLIC_KEY.encrypt($v.encode(), padding.PKCS1v15())  #@
$out = ciphertext.hex()
"#,
        fixed: &[Fix {
            imports: &[],
            body: r#"ciphertext = PUBLIC_KEY.encrypt(
    $v.encode(),
    padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None),  #@
)
$out = ciphertext.hex()
"#,
            why: "RSA encryption uses OAEP padding with SHA-256, which is not open to padding-oracle decryption.",
        }],
        why: "RSA encryption with PKCS#1 v1.5 padding is open to Bleichenbacher padding-oracle attacks that recover \
              the plaintext.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "xor-obfuscation",
        input: Input::Text,
        imports: &["import base64", "import os"],
        setup: "FIELD_KEY = os.environ[\"FIELD_ENCRYPTION_KEY\"].encode()",
        vulnerable: r#"plain = $v.encode()
scrambled = bytes(b ^ FIELD_KEY[i % len(FIELD_KEY)] for i, b in enumerate(plain))  #@
$out = base64.urlsafe_b64encode(scrambled).decode()
"#,
        fixed: &[Fix {
            imports: &["from cryptography.fernet import Fernet"],
            body: r#"plain = $v.encode()
scrambled = Fernet(FIELD_KEY).encrypt(plain)  #@
$out = scrambled.decode()
"#,
            why: "Fernet (AES-CBC with HMAC-SHA256 and a random IV) replaces the home-made cipher.",
        }],
        why: "A repeating-key XOR is not encryption: known or guessed plaintext reveals the key, and from it every \
              stored value.",
        frameworks: &["flask", "django", "fastapi", "aiohttp", "celery"],
        constant_is_safe: false,
    },
];

const WEAK_HASH: &[Sink] = &[
    Sink {
        name: "md5-password",
        input: Input::Text,
        imports: &["import hashlib", "import sqlite3"],
        setup: "DB_PATH = \"accounts.db\"",
        vulnerable: r#"password_hash = hashlib.md5($v.encode()).hexdigest()  #@
with sqlite3.connect(DB_PATH) as $conn:
    $conn.execute("UPDATE accounts SET password_hash = ? WHERE username = ?", (password_hash, "$user"))
$out = {"updated": "$user"}
"#,
        fixed: &[
            Fix {
                imports: &["import os"],
                body: r#"salt = os.urandom(16)
digest = hashlib.scrypt($v.encode(), salt=salt, n=2**14, r=8, p=1)  #@
password_hash = f"scrypt${salt.hex()}${digest.hex()}"
with sqlite3.connect(DB_PATH) as $conn:
    $conn.execute("UPDATE accounts SET password_hash = ? WHERE username = ?", (password_hash, "$user"))
$out = {"updated": "$user"}
"#,
                why: "The password is stored as a salted scrypt hash, which is slow and memory-hard to brute-force.",
            },
            Fix {
                imports: &["import os"],
                body: r#"salt = os.urandom(16)
digest = hashlib.pbkdf2_hmac("sha256", $v.encode(), salt, 600_000)  #@
password_hash = f"pbkdf2_sha256$600000${salt.hex()}${digest.hex()}"
with sqlite3.connect(DB_PATH) as $conn:
    $conn.execute("UPDATE accounts SET password_hash = ? WHERE username = ?", (password_hash, "$user"))
$out = {"updated": "$user"}
"#,
                why: "The password is stored as salted PBKDF2-SHA256 with 600,000 iterations.",
            },
        ],
        why: "The password `$v` is stored as an unsalted MD5 digest, which is fast to brute-force and found in \
              precomputed tables.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "sha1-signed-link",
        input: Input::Text,
        imports: &["import hashlib", "import os", "import time"],
        setup: "SIGNING_KEY = os.environ[\"LINK_SIGNING_KEY\"]",
        vulnerable: r#"expires = int(time.time()) + 3600
etag = hashlib.md5($v.encode(), usedforsecurity=False).hexdigest()
signature = hashlib.sha1(f"{SIGNING_KEY}:{$v}:{expires}".encode()).hexdigest()  #@
$out = {"$entity": $v, "expires": expires, "etag": etag, "sig": signature}
"#,
        fixed: &[Fix {
            imports: &["import hmac"],
            body: r#"expires = int(time.time()) + 3600
etag = hashlib.md5($v.encode(), usedforsecurity=False).hexdigest()
signature = hmac.new(SIGNING_KEY.encode(), f"{$v}:{expires}".encode(), hashlib.sha256).hexdigest()  #@
$out = {"$entity": $v, "expires": expires, "etag": etag, "sig": signature}
"#,
            why: "The link is signed with HMAC-SHA256; the MD5 ETag is only a cache validator and says so with \
                  `usedforsecurity=False`.",
        }],
        why: "The download link for `$v` is signed with SHA-1 over key and message, a collision-prone hash used in \
              a way open to length extension.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "md5-payload-signature",
        input: Input::Payload,
        imports: &["import hashlib", "import os"],
        setup: "WEBHOOK_SECRET = os.environ[\"WEBHOOK_SECRET\"].encode()",
        vulnerable: r#"signature = hashlib.md5(WEBHOOK_SECRET + $v).hexdigest()  #@
$out = {"size": len($v), "signature": signature}
"#,
        fixed: &[Fix {
            imports: &["import hmac"],
            body: r#"signature = hmac.new(WEBHOOK_SECRET, $v, hashlib.sha256).hexdigest()  #@
$out = {"size": len($v), "signature": signature}
"#,
            why: "The payload is signed with HMAC-SHA256 instead of a keyed MD5 digest.",
        }],
        why: "The signature over the payload is MD5 of secret plus message: MD5 collisions are practical and the \
              construction allows length extension.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "sha1-salted-password",
        input: Input::Text,
        imports: &["import hashlib", "import os", "import sqlite3"],
        setup: "DB_PATH = \"accounts.db\"",
        vulnerable: r#"salt = os.urandom(8).hex()
hasher = hashlib.new("sha1")  #@
hasher.update((salt + $v).encode())
password_hash = f"{salt}${hasher.hexdigest()}"
with sqlite3.connect(DB_PATH) as $conn:
    $conn.execute("UPDATE accounts SET password_hash = ? WHERE username = ?", (password_hash, "$user"))
$out = {"updated": "$user"}
"#,
        fixed: &[Fix {
            imports: &[],
            body: r#"salt = os.urandom(8).hex()
digest = hashlib.pbkdf2_hmac("sha256", $v.encode(), salt.encode(), 600_000)  #@
password_hash = f"{salt}${digest.hex()}"
with sqlite3.connect(DB_PATH) as $conn:
    $conn.execute("UPDATE accounts SET password_hash = ? WHERE username = ?", (password_hash, "$user"))
$out = {"updated": "$user"}
"#,
            why: "The password hash uses PBKDF2-SHA256 with 600,000 iterations instead of one round of SHA-1.",
        }],
        why: "The password `$v` is hashed with a single salted SHA-1, which GPUs try billions of times per second.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "rsa-sign-sha1",
        input: Input::Text,
        imports: &[
            "from pathlib import Path",
            "from cryptography.hazmat.primitives import hashes, serialization",
            "from cryptography.hazmat.primitives.asymmetric import padding",
        ],
        setup: "SIGNING_KEY = serialization.load_pem_private_key(Path(\"/etc/app/keys/$entity-signing.pem\").read_bytes(), password=None)",
        vulnerable: r#"document = $v.encode()
signature = SIGNING_KEY.sign(document, padding.PKCS1v15(), hashes.SHA1())  #@
$out = {"length": len(document), "signature": signature.hex()}
"#,
        fixed: &[Fix {
            imports: &[],
            body: r#"document = $v.encode()
signature = SIGNING_KEY.sign(document, padding.PKCS1v15(), hashes.SHA256())  #@
$out = {"length": len(document), "signature": signature.hex()}
"#,
            why: "The signature is computed over SHA-256, which has no known practical collisions.",
        }],
        why: "The document is signed over a SHA-1 digest; SHA-1 collisions are practical, so two documents can share \
              one signature.",
        frameworks: &[],
        constant_is_safe: false,
    },
];

const WEAK_PRNG: &[Sink] = &[
    Sink {
        name: "choice-reset-token",
        input: Input::Text,
        imports: &["import random", "import string", "import time"],
        setup: "ALPHABET = string.ascii_letters + string.digits\nRESET_TOKENS = {}",
        vulnerable: r#"token = "".join(random.choice(ALPHABET) for _ in range(32))  #@
RESET_TOKENS[token] = ($v, time.time() + 900)
$out = {"status": "queued"}
"#,
        fixed: &[
            Fix {
                imports: &["import secrets"],
                body: r#"token = "".join(secrets.choice(ALPHABET) for _ in range(32))  #@
RESET_TOKENS[token] = ($v, time.time() + 900)
$out = {"status": "queued"}
"#,
                why: WHY_SECRETS,
            },
            Fix {
                imports: &["import secrets"],
                body: r#"token = secrets.token_urlsafe(24)  #@
RESET_TOKENS[token] = ($v, time.time() + 900)
$out = {"status": "queued"}
"#,
                why: WHY_SECRETS,
            },
        ],
        why: "The password-reset token for `$v` is built with `random.choice`, whose Mersenne Twister output can be \
              predicted from earlier values.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "randint-otp",
        input: Input::Text,
        imports: &["import random", "import time"],
        setup: "OTP_CODES = {}",
        vulnerable: r#"code = f"{random.randint(0, 999999):06d}"  #@
OTP_CODES[$v] = (code, time.time() + 300)
$out = {"status": "queued", "expires_in": 300}
"#,
        fixed: &[Fix {
            imports: &["import secrets"],
            body: r#"code = f"{secrets.randbelow(1_000_000):06d}"  #@
OTP_CODES[$v] = (code, time.time() + 300)
$out = {"status": "queued", "expires_in": 300}
"#,
            why: WHY_SECRETS,
        }],
        why: "The one-time code for `$v` comes from `random.randint`, which is not a cryptographic generator.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "getrandbits-session",
        input: Input::Text,
        imports: &["import random", "import time"],
        setup: "SESSIONS = {}",
        vulnerable: r#"session_id = "%032x" % random.getrandbits(128)  #@
SESSIONS[session_id] = {"user": $v, "created": time.time()}
$out = {"session_id": session_id}
"#,
        fixed: &[Fix {
            imports: &["import secrets"],
            body: r#"session_id = secrets.token_hex(16)  #@
SESSIONS[session_id] = {"user": $v, "created": time.time()}
$out = {"session_id": session_id}
"#,
            why: WHY_SECRETS,
        }],
        why: "Session ids from `random.getrandbits` can be predicted once enough earlier outputs are seen, letting \
              someone take over other sessions.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "choices-temp-password",
        input: Input::Text,
        imports: &["import random", "import string"],
        setup: "ALPHABET = string.ascii_letters + string.digits + \"!#%+-\"\nINVITES = {}",
        vulnerable: r#"temp_password = "".join(random.choices(ALPHABET, k=14))  #@
INVITES[$v] = temp_password
$out = {"invited": $v}
"#,
        fixed: &[
            Fix {
                imports: &["import secrets"],
                body: r#"temp_password = "".join(secrets.choice(ALPHABET) for _ in range(14))  #@
INVITES[$v] = temp_password
$out = {"invited": $v}
"#,
                why: WHY_SECRETS,
            },
            Fix {
                imports: &[],
                body: r#"temp_password = "".join(random.SystemRandom().choices(ALPHABET, k=14))  #@
INVITES[$v] = temp_password
$out = {"invited": $v}
"#,
                why: "`random.SystemRandom` draws from the operating system's CSPRNG, not the Mersenne Twister.",
            },
        ],
        why: "The temporary password for `$v` is drawn with `random.choices`, a predictable PRNG.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "seeded-api-key",
        input: Input::Text,
        imports: &["import random", "import time"],
        setup: "API_KEYS = {}",
        vulnerable: r#"rng = random.Random(time.time_ns())  #@
api_key = "%040x" % rng.getrandbits(160)
API_KEYS[api_key] = $v
$out = {"api_key": api_key, "owner": $v}
"#,
        fixed: &[Fix {
            imports: &["import secrets"],
            body: r#"api_key = secrets.token_hex(20)  #@
API_KEYS[api_key] = $v
$out = {"api_key": api_key, "owner": $v}
"#,
            why: WHY_SECRETS,
        }],
        why: "The API key comes from a Mersenne Twister seeded with the current time, so it can be recomputed by \
              guessing when it was created.",
        frameworks: &[],
        constant_is_safe: false,
    },
    Sink {
        name: "hashed-random-token",
        input: Input::Text,
        imports: &["import hashlib", "import random", "import time"],
        setup: "VERIFY_TOKENS = {}",
        vulnerable: r#"token = hashlib.sha256(f"{$v}:{random.random()}".encode()).hexdigest()  #@
VERIFY_TOKENS[token] = ($v, time.time() + 86400)
$out = {"status": "queued"}
"#,
        fixed: &[Fix {
            imports: &["import secrets"],
            body: r#"token = secrets.token_hex(32)  #@
VERIFY_TOKENS[token] = ($v, time.time() + 86400)
$out = {"status": "queued"}
"#,
            why: WHY_SECRETS,
        }],
        why: "Hashing `$v` with `random.random()` adds no unpredictability: the only secret part is a Mersenne \
              Twister output.",
        frameworks: &[],
        constant_is_safe: false,
    },
];
