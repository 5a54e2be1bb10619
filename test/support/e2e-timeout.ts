// Each e2e test boots the whole app (some twice); jest's 5 s default is too tight on a loaded 2-core CI box.
jest.setTimeout(30_000);
