package com.example.nvrclient.ui;

import java.awt.Color;
import java.util.prefs.Preferences;

/** Switches the look of the client: skins (themes) and accent colours. */
public final class SkinManager {
    public enum Skin { CLASSIC, DARK, BLUE, HIGH_CONTRAST }

    private static final Preferences PREFS = Preferences.userNodeForPackage(SkinManager.class);

    private Skin skin = Skin.valueOf(PREFS.get("skin", Skin.DARK.name()));
    private Color skinColor = new Color(PREFS.getInt("skinColor", 0x2d2d30));

    public Skin getSkin() {
        return skin;
    }

    public void setSkin(Skin skin, Color skinColor) {
        this.skin = skin;
        this.skinColor = skinColor;
        PREFS.put("skin", skin.name());
        PREFS.putInt("skinColor", skinColor.getRGB());
    }

    public Color getSkinColor() {
        return skinColor;
    }
}
