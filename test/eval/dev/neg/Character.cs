using UnityEngine;

namespace Realmforge.Characters
{
    public enum Race
    {
        Human,
        Elf,
        Dwarf,
        Orc,
        Halfling,
    }

    public enum Gender
    {
        Male,
        Female,
        Other,
    }

    [CreateAssetMenu(menuName = "Realmforge/Character")]
    public class Character : ScriptableObject
    {
        public string displayName;
        public Race race = Race.Human;
        public Gender gender;
        public int age = 20;
        public Color skinColor = new Color(0.87f, 0.72f, 0.53f);
        public Color hairColor = Color.black;
        public int strength;
        public int dexterity;

        public float LifespanYears => race switch
        {
            Race.Elf => 750f,
            Race.Dwarf => 350f,
            _ => 80f,
        };
    }
}
