/** Simulated phone profiles: the shipped JSON files, their schema and the loader. */
export { loadProfile, validateProfile, listProfiles, profilesDir, reservedPackages } from './loadProfile.js';
export { ProfileError } from '../profileError.js';
