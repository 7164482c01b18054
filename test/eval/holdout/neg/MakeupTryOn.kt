package com.example.beauty.tryon

import android.graphics.Color

/** Virtual foundation try-on: the user picks a shade that matches their skin tone. */
data class FoundationShade(val name: String, val skinTone: SkinTone, val color: Int)

enum class SkinTone { FAIR, LIGHT, MEDIUM, TAN, DEEP }

class MakeupTryOn(private val renderer: FaceMeshRenderer) {
    val shades = listOf(
        FoundationShade("Porcelain", SkinTone.FAIR, Color.parseColor("#F3D9C6")),
        FoundationShade("Honey", SkinTone.MEDIUM, Color.parseColor("#C98E62")),
        FoundationShade("Espresso", SkinTone.DEEP, Color.parseColor("#5B3A29")),
    )

    fun apply(shade: FoundationShade, opacity: Float) {
        renderer.fillRegion(FaceRegion.SKIN, shade.color, opacity)
    }
}
