import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  hashPassword,
  MAX_PASSWORD_BYTES,
  passwordProblems,
  verifyPassword,
} from '../src/accounts/passwords.ts';
import { loadConfig } from '../src/config/config.ts';

const config = loadConfig({ APP_NAME: 'Acmeshop', PUBLIC_URL: 'https://oto.test' });

describe('password policy', () => {
  test('length is counted in code points after NFKC: 14 refused, 15 accepted', () => {
    assert.deepEqual(passwordProblems(config, 'tulip meadow ab'), []);
    assert.match(
      passwordProblems(config, 'tulip meadow a')[0] ?? '',
      /at least 15 characters long \(it has 14\)/,
    );
    // 15 emoji are 30 UTF-16 units but 15 code points.
    assert.deepEqual(passwordProblems(config, '🌷🌼🌻🌹🌺🌸💐🍀🌿🌵🌴🌳🌲🍁🍂'), []);
    assert.deepEqual(passwordProblems(config, '東京特許許可局長今日急遽休暇許可拒否'), []);
    // 'ﬃ' is one code point typed, three after NFKC ('ffi').
    assert.equal(passwordProblems(config, 'ﬃﬃﬃﬃﬃab').length, 0);
  });

  test('no composition rules; spaces and 128 characters are fine', () => {
    assert.deepEqual(passwordProblems(config, 'all lowercase letters here'), []);
    assert.deepEqual(
      passwordProblems(
        config,
        'x'.repeat(64).replace(/x/g, (_, i) => 'abcdefghij'[i % 10]!),
      ),
      [],
    );
    assert.deepEqual(passwordProblems(config, 'Lorem ipsum dolor sit amet. '.repeat(5).slice(0, 128)), []);
  });

  test('common passwords are refused with the reason, whatever their case', () => {
    assert.deepEqual(passwordProblems(config, 'PasswordPassword'), [
      'is one of the most common passwords, which attackers try first',
    ]);
    assert.deepEqual(passwordProblems(config, '1qaz2wsx3edc4rfv'), [
      'is one of the most common passwords, which attackers try first',
    ]);
  });

  test('a password containing the email local part or the app name is refused, each with its reason', () => {
    assert.deepEqual(
      passwordProblems(config, 'my name is margaret thatcher', { email: 'Margaret@example.com' }),
      ['must not contain your email address'],
    );
    assert.deepEqual(passwordProblems(config, 'i love shopping at acmeshop'), [
      'must not contain the name of this service (Acmeshop)',
    ]);
    assert.equal(passwordProblems(config, 'aaaaaaaaaaaaaaaaaaaa').length, 1);
  });

  test(`input over ${MAX_PASSWORD_BYTES} bytes is refused without further work`, () => {
    const huge = 'é'.repeat(600); // 1200 bytes, 600 characters
    assert.deepEqual(passwordProblems(config, huge), [`must be at most ${MAX_PASSWORD_BYTES} bytes long`]);
    const megabyte = 'a'.repeat(1024 * 1024);
    assert.deepEqual(passwordProblems(config, megabyte), [
      `must be at most ${MAX_PASSWORD_BYTES} bytes long`,
    ]);
  });
});

describe('password storage', () => {
  test('Argon2id with m=19456, t=2, p=1; the right password verifies, others do not', async () => {
    const stored = await hashPassword('correct horse battery staple');
    assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await verifyPassword(stored, 'correct horse battery staple'), true);
    assert.equal(
      await verifyPassword(stored, 'Correct horse battery staple'),
      false,
      'case is never changed',
    );
    assert.equal(await verifyPassword(stored, 'correct horse battery stapl'), false);
    assert.equal(await verifyPassword(null, 'correct horse battery staple'), false);
    assert.equal(await verifyPassword('not a hash', 'correct horse battery staple'), false);
  });

  test('nothing is truncated: an 80-character password does not match its first 72', async () => {
    const long = 'the quick brown fox jumps over the lazy dog while the cat sleeps on the mat, ok!';
    assert.equal(long.length, 80);
    const stored = await hashPassword(long);
    assert.equal(await verifyPassword(stored, long.slice(0, 72)), false);
    assert.equal(await verifyPassword(stored, long), true);
  });

  test('composed and decomposed accents are the same password', async () => {
    const composed = 'crème brûlée au caramel';
    const decomposed = composed.normalize('NFD');
    assert.notEqual(composed, decomposed);
    const stored = await hashPassword(composed);
    assert.equal(await verifyPassword(stored, decomposed), true);
  });
});
