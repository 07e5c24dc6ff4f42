package directory_test

import "github.com/bulwarkmail/bulwark/directory/password"

var cheapArgon2 = password.Argon2Params{Time: 1, Memory: 64, Threads: 1}
