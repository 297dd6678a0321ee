package dev.swerun.semver;

/** A semantic version such as {@code 1.4.2}: compared by major, then minor, then patch. */
public record Version(int major, int minor, int patch) implements Comparable<Version> {

    /** Parses {@code "1.4.2"}; a missing minor or patch is 0 ({@code "2"} is 2.0.0). */
    public static Version parse(String text) {
        String[] parts = text.trim().split("\\.");
        int[] nums = new int[3];
        for (int i = 0; i < parts.length && i < 3; i++) {
            nums[i] = Integer.parseInt(parts[i]);
        }
        return new Version(nums[0], nums[1], nums[2]);
    }

    @Override
    public int compareTo(Version other) {
        return toString().compareTo(other.toString());
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
