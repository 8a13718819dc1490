/** Runs in every test file (jest setupFilesAfterEnv): the temp folders a file made go when it ends. */
import { removeTempDirs } from './helpers';

afterAll(() => removeTempDirs());
